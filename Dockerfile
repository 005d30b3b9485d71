FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SETTINGS_MODULE=recpnet.settings.local python manage.py collectstatic --noinput
RUN useradd --create-home recpnet && mkdir -p /app/media && chown recpnet /app/media
USER recpnet
EXPOSE 8000
