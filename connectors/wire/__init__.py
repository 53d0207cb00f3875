"""Wire formats: IPTC NewsML-G2, ninjs, NITF, AP ANPA-1312 and IPTC 7901 bytes to Stories (one module each)."""
