# The whole Gradio app in a container: the same files and pins as a Hugging Face Space.
#   docker build -t roadmap-showcase .
#   docker run --rm -p 7860:7860 roadmap-showcase              # then open http://127.0.0.1:7860
# Models are bundled in assets/ and load on first use; nothing is downloaded at build or start
# beyond the pinned packages (SHOWCASE_OFFLINE=1 keeps the app off the model hub).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    SHOWCASE_OFFLINE=1 \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# packages.txt is the Space's list of Debian packages; comments and blank lines are skipped.
COPY packages.txt ./
RUN apt-get update \
    && grep -v '^\s*#' packages.txt | xargs --no-run-if-empty apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Every tab's first example computed into Gradio's examples cache now, at build: the first learner to
# open a tab is then served from the cache like everyone after (pages/warm.py)
RUN python app.py --warm
# The listening test's ratings go to /data (showcase/core/settings.py): mount a volume there to keep
# them across containers (docker run -v showcase-data:/data ...); a Space's persistent storage is /data.
RUN useradd --create-home --uid 1000 --shell /usr/sbin/nologin user \
    && mkdir -p /data \
    && chown -R 1000 /app /data
USER 1000

EXPOSE 7860
ENTRYPOINT ["python", "app.py"]
