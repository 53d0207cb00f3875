"""What an archive folder holds, whichever form the service wrote (Parquet, the default, or JSON files)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow.parquet as pq

from wirewatch.connectors.archive.layout import archive_files


def archived_rows(root: Path) -> list[dict]:
    """One dict per archived story (``id`` and ``cluster``, the cluster's id), every visible file read, so a
    story written twice shows twice."""
    rows = []
    if not root.exists():
        return rows
    for path in archive_files(root):
        for row in pq.read_table(path, columns=["id", "cluster_id"]).to_pylist():
            rows.append({"id": row["id"], "cluster": row["cluster_id"]})
    for path in root.rglob("*.json"):
        data = orjson.loads(path.read_bytes())
        rows.append({"id": data["id"], "cluster": (data.get("cluster") or {}).get("id")})
    return rows


def archived_ids(root: Path) -> list[str]:
    return [row["id"] for row in archived_rows(root)]


def archived_once(root: Path) -> set[str]:
    """The ids archived under ``root``, after checking that none was archived twice."""
    ids = archived_ids(root)
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)[:20]
    return set(ids)
