def current_property(request):
    """Expose the current property, the user's role there and the properties they may switch to."""
    access = getattr(request, "property_access", None)
    prop = getattr(request, "property", None)
    roles = access.role_names_by_property.get(prop.pk, ()) if access and prop else ()
    return {
        "current_property": prop,
        "current_roles": roles,
        "switchable_properties": access.properties if access and len(access.properties) > 1 else [],
    }
