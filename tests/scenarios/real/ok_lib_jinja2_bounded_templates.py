"""A multi-tenant mailer renders notification e-mails with Jinja2: every tenant has its own
template (300 tenants, loaded through a ``DictLoader``), and the environment's template
cache (400 entries) keeps the compiled ones. It fills while each tenant is seen once and
then stays bounded: a slow cache, correct code."""

import random

import jinja2

LIBRARIES = ("jinja2",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +13.77/+0.14/+0.00/+0.00, C heap +597.5/+4.5/+0.0/+0.0 B, RSS +1773/+20/+0/+0 B"
)

_TENANTS = 300


def _template_source(t):
    return (
        "{% extends 'base.html' %}{% block body %}"
        f"<h1>Tenant {t}: hello {{{{ user.name|title }}}}</h1>"
        "<ul>{% for item in items %}<li>{{ item.name }} x{{ item.qty }} = "
        "{{ '%.2f'|format(item.price * item.qty) }}</li>{% endfor %}</ul>"
        "{% if user.vip %}<p>Thanks for being a VIP!</p>{% endif %}"
        f"<footer>tenant-{t} &middot; {{{{ sent_at }}}}</footer>"
        "{% endblock %}"
    )


def setup():
    sources = {f"tenant_{t}.html": _template_source(t) for t in range(_TENANTS)}
    sources["base.html"] = (
        "<html><head><title>{{ subject|e }}</title></head>"
        "<body>{% block body %}{% endblock %}</body></html>"
    )
    env = jinja2.Environment(loader=jinja2.DictLoader(sources), autoescape=True, auto_reload=False)
    return {"env": env, "rng": random.Random(5), "i": 0}


def step(state):
    state["i"] += 1
    rng = state["rng"]
    tenant = rng.randrange(_TENANTS)
    template = state["env"].get_template(f"tenant_{tenant}.html")
    items = [
        {"name": f"item {k}", "qty": rng.randint(1, 3), "price": rng.uniform(2, 50)}
        for k in range(rng.randint(1, 6))
    ]
    return template.render(
        subject=f"Your order #{state['i']}",
        user={"name": f"user {rng.randint(1, 9999)}", "vip": rng.random() < 0.1},
        items=items,
        sent_at="2024-05-01 10:00",
    )
