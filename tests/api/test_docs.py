"""The schema and the browsable docs: public, stable URLs, every asset from our own static files."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_at_a_stable_url():
    response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/stays/{confirmation_number}/" in schema["paths"]
    assert "apiToken" in schema["components"]["securitySchemes"]


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_load_their_assets_from_static_not_a_cdn(path):
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert assets, html[:500]
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in html.lower()
