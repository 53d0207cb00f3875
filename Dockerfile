# wirewatch image: the Python package, the rule engine's compiled core, and Beam's Prism runner built
# from the Go module proxy.
# Beam 2.77's Go module says `go 1.26.0`, and the golang images set GOTOOLCHAIN=local, so an older image
# fails the install instead of fetching a newer toolchain. Keep the tag below at v$BEAM_VERSION of scripts/bootstrap.
FROM golang:1.26-bookworm AS prism
RUN GOBIN=/out go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0

# The rule engine's compiled core (native/): an abi3 wheel for CPython 3.11+, built with maturin.
FROM rust:1-bookworm AS native
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv \
    && python3 -m venv /maturin && /maturin/bin/pip install --no-cache-dir "maturin>=1.5,<2"
COPY native /src/native
RUN /maturin/bin/maturin build --release --manifest-path /src/native/Cargo.toml -o /wheels

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY wirewatch wirewatch
COPY connectors connectors
COPY transforms transforms
COPY pipelines pipelines
COPY seeds seeds
RUN pip install --no-cache-dir .
COPY --from=native /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl
COPY --from=prism /out/prism /usr/local/bin/prism
ENV WIREWATCH_PRISM=/usr/local/bin/prism
EXPOSE 9108
CMD ["wirewatch", "run", "/app/seeds", "--archive", "/data/archive"]
