"""`{{ value|day }}`, `{{ value|moment }}` and `{{ value|clock }}`: built into every template (settings)."""

from django import template

from hotel_crm import dates

register = template.Library()


@register.filter
def day(value):
    return dates.format_day(value)


@register.filter
def moment(value):
    return dates.format_moment(value)


@register.filter
def clock(value):
    return dates.format_time(value)
