"""What each health reason code means, in words, in both languages.

The health model stores its reasons as codes with their numbers (JSON: `[{"code":
"breached_bugs", "n": 3}]`), so a page can say them in the reader's language; the mart keeps the
English beside them. One table here, used by both.
"""

from __future__ import annotations

import json
from typing import Any

REASONS: dict[str, dict[str, str]] = {
    "no_paid_seats": {"en": "no paid seats", "ru": "нет оплаченных мест"},
    "seats_used": {
        "en": "{pct}% of paid seats used (nearly full is {full_pct}%)",
        "ru": "занято {pct}% оплаченных мест (почти полностью — {full_pct}%)",
    },
    "usage_dropped": {
        "en": "daily users fell {pct}% against the previous 60 days",
        "ru": "пользователей в день на {pct}% меньше, чем за прошлые 60 дней",
    },
    "no_paid_modules": {
        "en": "no paid modules (adoption not counted, its weight goes to the others)",
        "ru": "нет оплаченных модулей (внедрение не учтено, его вес распределён)",
    },
    "unused_modules": {
        "en": "{n} of {of} paid modules unused",
        "ru": "не используются {n} из {of} оплаченных модулей",
    },
    "no_judged_tickets": {
        "en": "no tickets judged in {days} days (support not counted, its weight goes to the others)",
        "ru": "за {days} дней нет оценённых обращений (поддержка не учтена, её вес распределён)",
    },
    "sla_missed": {
        "en": "resolution SLA met for {pct}% of tickets in {days} days",
        "ru": "SLA решения соблюдён для {pct}% обращений за {days} дней",
    },
    "breached_bugs": {
        "en": "{n} open bug(s) past the SLA (−25 each)",
        "ru": "открытых ошибок с нарушенным SLA: {n} (−25 за каждую)",
    },
    "no_csat": {
        "en": "no CSAT in {days} days (not counted, its weight goes to the others)",
        "ru": "нет оценок CSAT за {days} дней (не учтено, вес распределён)",
    },
    "csat_low": {"en": "mean CSAT {mean} of 5", "ru": "средний CSAT {mean} из 5"},
    "no_renewal_date": {
        "en": "no renewal date (renewal not counted, its weight goes to the others)",
        "ru": "нет даты продления (не учтено, вес распределён)",
    },
    "renewal_soon": {"en": "renewal in {days} days", "ru": "продление через {days} дн."},
    "renewal_passed": {
        "en": "the renewal date passed {days} days ago",
        "ru": "дата продления прошла {days} дн. назад",
    },
    # why not to pitch an upsell now
    "not_green": {"en": "health is {band}, not green", "ru": "здоровье «{band}», а не «зелёное»"},
    "no_growth": {
        "en": "seats {seats_pct}% used (needs {full_pct}%) and daily users {trend_pct}% (needs +10%)",
        "ru": "занято {seats_pct}% мест (нужно {full_pct}%), пользователей в день {trend_pct}% (нужно +10%)",
    },
    "open_breached": {
        "en": "{n} open ticket(s) past the SLA",
        "ru": "открытых обращений с нарушенным SLA: {n}",
    },
    "churned": {"en": "the account has churned", "ru": "клиент ушёл"},
}


def _number(value: Any, language: str) -> str:
    if isinstance(value, float):
        text = f"{value:g}" if abs(value) >= 1e-9 else "0"
        return text.replace(".", ",") if language == "ru" else text
    return str(value)


def describe(reasons_json: str | None, language: str = "en", words: dict[str, str] | None = None) -> str:
    """The reasons as one sentence: each in words, joined by '; '. `words` translates values
    such as a band name."""
    if not reasons_json:
        return ""
    parts = []
    for reason in json.loads(reasons_json):
        template = REASONS.get(reason["code"], {}).get(language) or reason["code"]
        values = {
            k: (words or {}).get(str(v), _number(v, language)) for k, v in reason.items() if k != "code"
        }
        parts.append(template.format(**values))
    return "; ".join(parts)
