"""A notification service builds each outgoing mail with email.message.EmailMessage and
email.utils helpers, serialises it with as_bytes, and an inbound hook parses it back with
email.message_from_bytes to read the headers and body; everything is per-message, so
memory settles once the email package's lazy state is built."""

import email
import email.utils
from email.message import EmailMessage

LIBRARIES = ("email",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/-0.01/+0.00/-0.01, C heap +3.4/+1.4/+0.0/+0.0 B, RSS +16/+0/+0/+0 B"
)

_NAMES = ["Ana Silva", "Bo Chen", "Chloé Martin", "Dev Patel", "Eve O'Neil"]


def setup():
    return {"n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    name = _NAMES[n % len(_NAMES)]
    msg = EmailMessage()
    msg["Subject"] = f"Your order #{10000 + n} has shipped"
    msg["From"] = email.utils.formataddr(("Shop", "noreply@shop.example"))
    msg["To"] = email.utils.formataddr((name, f"user{n % 300}@mail.example"))
    msg["Date"] = email.utils.formatdate(1_700_000_000 + n * 60, usegmt=True)
    msg["Message-ID"] = f"<order-{n}@shop.example>"
    msg.set_content(f"Hello {name},\n\nyour parcel is on its way ({n % 7 + 1} items).\n")
    raw = msg.as_bytes()
    parsed = email.message_from_bytes(raw)
    display, addr = email.utils.parseaddr(parsed["To"])
    sent = email.utils.parsedate_to_datetime(parsed["Date"])
    body = parsed.get_payload(decode=True).decode(parsed.get_content_charset() or "ascii")
    return display, addr, sent.hour, len(body)
