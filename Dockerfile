# wirewatch image: the Python package plus Beam's Prism runner built from the Go module proxy.
FROM golang:1.24-bookworm AS prism
RUN GOBIN=/out go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY connectors connectors
COPY transforms transforms
COPY pipelines pipelines
COPY seeds seeds
RUN pip install --no-cache-dir .
COPY --from=prism /out/prism /usr/local/bin/prism
ENV WIREWATCH_PRISM=/usr/local/bin/prism
EXPOSE 9108
CMD ["wirewatch", "run", "/app/seeds", "--archive", "/data/archive"]
