"""GeoJSON answers of the API: their OpenAPI media type, their features and the collection around them."""

GEOJSON = "application/geo+json"


def geojson_openapi(schema: str) -> dict:
    """``openapi_extra`` that documents the 200 answer as ``application/geo+json`` of ``schema``."""
    return {"responses": {200: {"content": {GEOJSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}}}


def point_feature(feature_id, *, longitude, latitude, properties: dict) -> dict:
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": properties,
    }


def located_features(items) -> list[dict]:
    """Features from rows that carry their point as ``location`` (taken out of their properties)."""
    features = []
    for properties in items:
        location = properties.pop("location")
        features.append(
            point_feature(
                properties["id"], longitude=location["longitude"], latitude=location["latitude"], properties=properties
            )
        )
    return features


def feature_collection(response, features: list[dict], **members) -> dict:
    """The collection, answered as ``application/geo+json``; ``members`` adds e.g. the next page's cursor."""
    response["Content-Type"] = GEOJSON
    return {"type": "FeatureCollection", "features": features, **members}
