"""Every label of the dashboard, in English and Russian, and locale-aware number and date formats.

One table (`TEXT`) holds each label once per language; `t("key")` looks it up in the language the
sidebar chose. Numbers, percentages and dates are formatted by Babel for the locale, so a Russian
reader sees «1 234,5» and «05.03.2026».
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import cache

from babel.dates import format_date, format_datetime, get_day_names, get_month_names
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

LANGUAGES = {"en": "English", "ru": "Русский"}
LOCALES = {"en": "en_GB", "ru": "ru_RU"}

TEXT: dict[str, dict[str, str]] = {
    # navigation
    "app_title": {"en": "CS Pulse", "ru": "CS Pulse"},
    "page_overview": {"en": "Overview", "ru": "Обзор"},
    "page_sla": {"en": "SLA", "ru": "SLA"},
    "page_clients": {"en": "Clients", "ru": "Клиенты"},
    "page_managers": {"en": "Managers", "ru": "Менеджеры"},
    "page_data": {"en": "Data", "ru": "Данные"},
    "section_department": {"en": "Department", "ru": "Отдел"},
    "section_portfolio": {"en": "Portfolio", "ru": "Портфель"},
    "section_system": {"en": "System", "ru": "Система"},
    # sidebar
    "language": {"en": "Language", "ru": "Язык"},
    "filters": {"en": "Filters", "ru": "Фильтры"},
    "period": {"en": "Period (month created)", "ru": "Период (месяц создания)"},
    "managers": {"en": "CS managers", "ru": "CS-менеджеры"},
    "tiers": {"en": "Tiers", "ru": "Тарифы SLA"},
    "channels": {"en": "Channels", "ru": "Каналы"},
    "task_types": {"en": "Task types", "ru": "Типы задач"},
    "all": {"en": "All", "ru": "Все"},
    "as_of": {"en": "As of", "ru": "По состоянию на"},
    "no_manager": {"en": "(no manager)", "ru": "(без менеджера)"},
    "share_hint": {
        "en": "The filters live in the address bar: copy it to share this view.",
        "ru": "Фильтры хранятся в адресной строке: скопируйте её, чтобы поделиться видом.",
    },
    "no_snapshot": {
        "en": "No dashboard snapshot yet. Run `cspulse demo`, or `cspulse ingest` then `cspulse build`.",
        "ru": "Снимка для дашборда пока нет. Выполните `cspulse demo` "
        "или `cspulse ingest` и `cspulse build`.",
    },
    "no_matches": {"en": "No results", "ru": "Ничего не найдено"},
    "no_data": {
        "en": "No tickets match these filters.",
        "ru": "Под эти фильтры не подходит ни одно обращение.",
    },
    "download_csv": {"en": "Download CSV", "ru": "Скачать CSV"},
    "loading": {"en": "Loading…", "ru": "Загрузка…"},
    # KPIs
    "response_sla": {"en": "Response SLA", "ru": "SLA по реакции"},
    "resolution_sla": {"en": "Resolution SLA", "ru": "SLA по решению"},
    "compliance_rule": {
        "en": "Compliance = met ÷ (met + breached + open and already breached); open tickets not yet "
        "breached are not counted (as Jira Service Management counts it).",
        "ru": "Соблюдение = в срок ÷ (в срок + просрочено + открыто и уже просрочено); открытые, ещё не "
        "просроченные обращения не учитываются (как в Jira Service Management).",
    },
    "of_judged": {"en": "{met} met of {judged} counted", "ru": "{met} в срок из {judged} учтённых"},
    "median_response": {"en": "Median first response", "ru": "Медиана реакции"},
    "p90_response": {"en": "P90 first response", "ru": "P90 первой реакции"},
    "median_resolution": {"en": "Median resolution", "ru": "Медиана решения"},
    "p90_resolution": {"en": "P90 resolution", "ru": "P90 решения"},
    "business_hours": {"en": "business hours", "ru": "рабочих часов"},
    "hours_unit": {"en": "{value} h", "ru": "{value} ч"},
    "backlog": {"en": "Backlog (open)", "ru": "Бэклог (открыто)"},
    "at_risk": {"en": "At risk", "ru": "Под угрозой"},
    "open_breached": {"en": "Open, breached", "ru": "В просрочке"},
    "reopen_rate": {"en": "Reopened", "ru": "Переоткрыто"},
    "reassignment_rate": {"en": "Reassigned", "ru": "Переназначено"},
    "csat": {"en": "CSAT (1–5)", "ru": "CSAT (1–5)"},
    "tickets": {"en": "Tickets", "ru": "Обращения"},
    "by_month": {"en": "By month", "ru": "По месяцам"},
    "hours_note": {
        "en": "Hours (h) are business hours of each client's SLA calendar.",
        "ru": "Часы (ч) — рабочие, по календарю SLA каждого клиента.",
    },
    "sla_and_speed": {"en": "SLA and speed", "ru": "SLA и скорость"},
    "backlog_and_quality": {"en": "Backlog and quality", "ru": "Бэклог и качество"},
    "sla_and_speed_by_month": {"en": "SLA and speed by month", "ru": "SLA и скорость по месяцам"},
    "backlog_and_quality_by_month": {
        "en": "Backlog and quality by month",
        "ru": "Бэклог и качество по месяцам",
    },
    "compliance_pct": {"en": "Compliance, %", "ru": "Соблюдение, %"},
    "business_hours_axis": {"en": "Business hours", "ru": "Рабочие часы"},
    "month": {"en": "Month", "ru": "Месяц"},
    "clock": {"en": "Clock", "ru": "Часы"},
    "response": {"en": "Response", "ru": "Реакция"},
    "resolution": {"en": "Resolution", "ru": "Решение"},
    "statistic": {"en": "Statistic", "ru": "Показатель"},
    "median": {"en": "median", "ru": "медиана"},
    "p90": {"en": "p90", "ru": "p90"},
    "kpi_levels": {"en": "KPIs by level", "ru": "KPI по уровням"},
    "level": {"en": "Level", "ru": "Уровень"},
    "level_department": {"en": "Department", "ru": "Отдел"},
    "level_manager": {"en": "CS manager", "ru": "CS-менеджер"},
    "level_team": {"en": "Team", "ru": "Группа"},
    "level_person": {"en": "Person (assignee)", "ru": "Сотрудник (исполнитель)"},
    "group": {"en": "Group", "ru": "Группа"},
    "overview_caption": {
        "en": "How the department keeps its SLAs, how fast it answers and resolves, and how clients rate "
        "it, month by month; below, the same KPIs for each group and person.",
        "ru": "Как отдел соблюдает SLA, как быстро отвечает и решает и как его оценивают клиенты — по "
        "месяцам; ниже те же KPI для каждой группы и сотрудника.",
    },
    # SLA page
    "sla_caption": {
        "en": "Compliance over time by the dimension you choose; click a point to see the tickets behind it.",
        "ru": "Соблюдение SLA во времени в нужном разрезе; щёлкните точку, чтобы увидеть обращения за ней.",
    },
    "dimension": {"en": "Break down by", "ru": "Разрез"},
    "dim_account": {"en": "Client", "ru": "Клиент"},
    "dim_manager": {"en": "CS manager", "ru": "CS-менеджер"},
    "dim_channel": {"en": "Channel", "ru": "Канал"},
    "dim_task_type": {"en": "Task type", "ru": "Тип задачи"},
    "dim_tier": {"en": "Tier", "ru": "Тариф"},
    "clock_choice": {"en": "SLA clock", "ru": "Часы SLA"},
    "tickets_behind": {"en": "Tickets behind the selection", "ru": "Обращения за выбранной точкой"},
    "select_hint": {
        "en": "Click a point (or pick a month and a group below) to list its tickets.",
        "ru": "Щёлкните точку (или выберите месяц и группу ниже), чтобы увидеть обращения.",
    },
    "breached_tickets": {"en": "Breached tickets", "ru": "Просроченные обращения"},
    "at_risk_queue": {
        "en": "At-risk queue (least business time left first)",
        "ru": "Очередь риска (меньше всего рабочего времени в начале)",
    },
    "open_breached_queue": {
        "en": "Open and past the target (oldest first)",
        "ru": "Открытые с нарушенным сроком (сначала самые старые)",
    },
    "compliance_by": {"en": "Compliance by {dimension}", "ru": "Соблюдение: {dimension}"},
    "top_groups": {"en": "The 8 largest groups are drawn.", "ru": "Показаны 8 крупнейших групп."},
    # clients / managers
    "client": {"en": "Client", "ru": "Клиент"},
    "manager": {"en": "CS manager", "ru": "CS-менеджер"},
    "tier": {"en": "Tier", "ru": "Тариф"},
    "calendar": {"en": "Calendar", "ru": "Календарь"},
    "placeholder_account": {
        "en": "unknown account (no accounts export yet)",
        "ru": "неизвестный клиент (нет в выгрузке клиентов)",
    },
    "open_tickets": {"en": "Open tickets", "ru": "Открытые обращения"},
    "sla_trend": {"en": "SLA trend", "ru": "Динамика SLA"},
    "client_tickets": {"en": "Tickets", "ru": "Обращения"},
    "portfolio": {"en": "Portfolio", "ru": "Портфель"},
    "accounts": {"en": "Accounts", "ru": "Клиенты"},
    "manager_vs_team": {"en": "{manager} beside the team", "ru": "{manager} на фоне команды"},
    "team": {"en": "Team", "ru": "Команда"},
    "pick_client": {"en": "Pick a client", "ru": "Выберите клиента"},
    "pick_manager": {"en": "Pick a CS manager", "ru": "Выберите CS-менеджера"},
    # adoption, health, workload, deltas, pricing
    "page_adoption": {"en": "Adoption", "ru": "Внедрение"},
    "page_health": {"en": "Health", "ru": "Здоровье"},
    "page_deltas": {"en": "Resolution deltas", "ru": "Скорость решения"},
    "page_pricing": {"en": "Pricing", "ru": "Цены"},
    "section_sales": {"en": "Sales", "ru": "Продажи"},
    "adoption_caption": {
        "en": "Paid modules a client does not use: call the client's head and offer to set them up.",
        "ru": "Оплаченные модули, которыми клиент не пользуется: позвоните руководителю клиента и "
        "предложите их настроить.",
    },
    "call_list": {"en": "Call list", "ru": "Кому позвонить"},
    "call_list_for": {"en": "Call list: {manager}", "ru": "Кому позвонить: {manager}"},
    "pick_manager_in_sidebar": {
        "en": "Pick CS managers in the sidebar to see only their clients.",
        "ru": "Выберите CS-менеджеров на боковой панели, чтобы видеть только их клиентов.",
    },
    "no_gaps": {"en": "No paid module goes unused.", "ru": "Все оплаченные модули используются."},
    "adoption_heatmap": {"en": "Adoption by client and module", "ru": "Внедрение по клиентам и модулям"},
    "heatmap_hint": {
        "en": "Share of the client's users on each module in the last {days} days; × marks a paid module "
        "that is a gap (unused or used by fewer than {rate}).",
        "ru": "Доля пользователей клиента в каждом модуле за последние {days} дн.; × — оплаченный модуль, "
        "который не используется или используется менее чем {rate} пользователей.",
    },
    "module": {"en": "Module", "ru": "Модуль"},
    "adoption_rate": {"en": "Users on the module, %", "ru": "Пользователей модуля, %"},
    "seat_utilisation": {"en": "Seat utilisation", "ru": "Занятость мест"},
    "seat_axis": {
        "en": "Users in the window ÷ paid seats, %",
        "ru": "Пользователи за период ÷ оплаченные места, %",
    },
    "value_at_stake_total": {"en": "MRR at stake", "ru": "MRR под угрозой"},
    "accounts_with_gaps": {"en": "Clients with gaps", "ru": "Клиенты с пробелами"},
    "health_caption": {
        "en": "Is the account healthy enough to pitch an upsell? Score 0–100 from usage, adoption, support, "
        "CSAT and renewal; each account says why.",
        "ru": "Достаточно ли клиент «здоров», чтобы предлагать расширение? Оценка 0–100 по использованию, "
        "внедрению, поддержке, CSAT и продлению; у каждого клиента указано почему.",
    },
    "band_green": {"en": "green", "ru": "зелёный"},
    "band_yellow": {"en": "yellow", "ru": "жёлтый"},
    "band_red": {"en": "red", "ru": "красный"},
    "accounts_by_band": {"en": "Accounts by band", "ru": "Клиенты по зонам"},
    "upsell_ready": {"en": "Ready for an upsell", "ru": "Готовы к расширению"},
    "dont_pitch": {"en": "Don't pitch now", "ru": "Пока не предлагать"},
    "no_upsell": {
        "en": "No account is ready for an upsell.",
        "ru": "Ни один клиент пока не готов к расширению.",
    },
    "backtest": {"en": "Do the weights predict churn?", "ru": "Предсказывают ли веса отток?"},
    "backtest_caption": {
        "en": "Components as they stood {days} days before each churn (and at comparable dates for retained "
        "accounts); cross-validated ROC AUC: 0.5 is a coin toss, 1.0 perfect.",
        "ru": "Компоненты за {days} дн. до каждого ухода (и на сопоставимые даты у оставшихся клиентов); "
        "ROC AUC на кросс-валидации: 0,5 — случайно, 1,0 — идеально.",
    },
    "auc_model": {"en": "AUC, fitted model", "ru": "AUC, обученная модель"},
    "auc_hand": {"en": "AUC, our hand weights", "ru": "AUC, наши веса"},
    "labels": {"en": "Churned / retained", "ru": "Ушли / остались"},
    "component": {"en": "Component", "ru": "Компонент"},
    "hand_weight": {"en": "Hand weight", "ru": "Наш вес"},
    "model_coefficient": {"en": "Model coefficient (per SD)", "ru": "Коэффициент модели (на СКО)"},
    "health_score": {"en": "Health", "ru": "Здоровье"},
    "health_trend": {"en": "Health over the last 12 months", "ru": "Здоровье за 12 месяцев"},
    "churn_risk": {"en": "Churn risk", "ru": "Риск оттока"},
    "comp_usage": {"en": "Usage", "ru": "Использование"},
    "comp_adoption": {"en": "Adoption", "ru": "Внедрение"},
    "comp_support": {"en": "Support", "ru": "Поддержка"},
    "comp_csat": {"en": "CSAT", "ru": "CSAT"},
    "comp_renewal": {"en": "Renewal", "ru": "Продление"},
    "modules_of_client": {"en": "Modules and adoption", "ru": "Модули и внедрение"},
    "workload": {"en": "Workload against capacity", "ru": "Нагрузка и ёмкость"},
    "workload_caption": {
        "en": "Accounts (projects) per manager against a dedicated manager's capacity of {capacity}; "
        "complexity is the load beside it, for balancing.",
        "ru": "Клиенты (проекты) менеджера против ёмкости выделенного менеджера — {capacity}; сложность — "
        "нагрузка рядом, для балансировки.",
    },
    "capacity": {"en": "Capacity", "ru": "Ёмкость"},
    "complexity_load": {"en": "Complexity load", "ru": "Нагрузка по сложности"},
    "deltas_caption": {
        "en": "Median resolution in business time of one group against another, with the 95 % bootstrap "
        "interval. Left of 0 is faster.",
        "ru": "Медиана решения в рабочем времени одной группы против другой с 95 % бутстреп-интервалом. "
        "Левее 0 — быстрее.",
    },
    "cmp_tier": {"en": "Tier vs baseline", "ru": "Тариф против базового"},
    "cmp_reassignments": {"en": "Hand-offs vs none", "ru": "Передачи против без передач"},
    "cmp_manager": {"en": "Manager vs the others", "ru": "Менеджер против остальных"},
    "task_type_all": {"en": "All task types", "ru": "Все типы задач"},
    "delta_axis": {"en": "Median resolution vs the comparison, %", "ru": "Медиана решения к сравнению, %"},
    "claim_band": {"en": "claimed: 60–70 % faster", "ru": "заявлено: на 60–70 % быстрее"},
    "verdict_faster": {
        "en": "{a}: {what} resolved {pct} faster than {b} (95 % CI {low} … {high})",
        "ru": "{a}: {what} решаются на {pct} быстрее, чем {b} (95 % ДИ {low} … {high})",
    },
    "verdict_slower": {
        "en": "{a}: {what} resolved {pct} slower than {b} (95 % CI {low} … {high})",
        "ru": "{a}: {what} решаются на {pct} медленнее, чем {b} (95 % ДИ {low} … {high})",
    },
    "verdict_no_clear_difference": {
        "en": "{a} and {b}: no clear difference for {what} (95 % CI {low} … {high})",
        "ru": "{a} и {b}: явной разницы для «{what}» нет (95 % ДИ {low} … {high})",
    },
    "verdict_too_few_tickets": {
        "en": "{a} vs {b}: too few tickets for an interval ({n_a} and {n_b})",
        "ru": "{a} против {b}: слишком мало обращений для интервала ({n_a} и {n_b})",
    },
    "claim_consistent": {"en": "in line with the 60–70 % claim", "ru": "согласуется с заявленными 60–70 %"},
    "claim_less_than_claimed": {"en": "less than the 60–70 % claimed", "ru": "меньше заявленных 60–70 %"},
    "claim_more_than_claimed": {"en": "more than the 60–70 % claimed", "ru": "больше заявленных 60–70 %"},
    "all_tasks": {"en": "tickets", "ru": "обращения"},
    "handoff_cost": {"en": "What a hand-off costs", "ru": "Во что обходится передача"},
    "handoff_row": {
        "en": "{group} hand-off(s): median +{hours} against none ({n} tickets)",
        "ru": "Передач {group}: медиана +{hours} к обращениям без передач ({n} обращений)",
    },
    "pricing_caption": {
        "en": "Price from project complexity (implementation type, hours, custom enhancements, active users) "
        "against what each account pays.",
        "ru": "Цена по сложности проекта (тип внедрения, часы, доработки, активные пользователи) "
        "против того, что платит клиент.",
    },
    "formula_vs_paid": {
        "en": "Formula price against the price paid",
        "ru": "Цена по формуле против фактической",
    },
    "formula_price": {"en": "Formula price", "ru": "Цена по формуле"},
    "paid_price": {"en": "Support price paid", "ru": "Фактическая цена поддержки"},
    "underpriced": {
        "en": "Underpriced (pays less than the formula)",
        "ru": "Недооценены (платят меньше формулы)",
    },
    "overpriced": {
        "en": "Overpriced (pays more than the formula)",
        "ru": "Переоценены (платят больше формулы)",
    },
    "weights_vs_fit": {
        "en": "Configured weights beside the calibration",
        "ru": "Настроенные веса и калибровка",
    },
    "setting": {"en": "Setting", "ru": "Параметр"},
    "configured": {"en": "Configured", "ru": "Настроено"},
    "fitted": {"en": "Fitted", "ru": "Подобрано"},
    "fit_quality": {
        "en": "Cross-validated on {n} accounts: MAE {mae_c} configured vs {mae_f} fitted; "
        "R² {r2_c} vs {r2_f}.",
        "ru": "Кросс-валидация на {n} клиентах: MAE {mae_c} по настройкам и {mae_f} по подбору; "
        "R² {r2_c} и {r2_f}.",
    },
    "no_complexity": {
        "en": "Complexity is not computed yet (no pricing mart).",
        "ru": "Сложность ещё не посчитана (нет витрины цен).",
    },
    # data page
    "ingest_runs": {"en": "Ingest runs", "ru": "Загрузки"},
    "rejected_rows": {"en": "Rejected rows", "ru": "Отклонённые строки"},
    "placeholders": {
        "en": "Tickets whose account is unknown",
        "ru": "Обращения неизвестных клиентов",
    },
    "config_in_force": {"en": "Configuration in force", "ru": "Действующая конфигурация"},
    "build": {"en": "Build", "ru": "Сборка"},
    "built_at": {
        "en": "Built {finished} as of {as_of}",
        "ru": "Собрано {finished} по состоянию на {as_of}",
    },
    "no_rejects": {"en": "No row was rejected.", "ru": "Ни одна строка не отклонена."},
    "no_placeholders": {
        "en": "Every ticket's account is known.",
        "ru": "Все клиенты обращений известны.",
    },
    # ticket columns
    "col_ticket_id": {"en": "Ticket", "ru": "Обращение"},
    "col_account_id": {"en": "Client ID", "ru": "ID клиента"},
    "col_account_name": {"en": "Client", "ru": "Клиент"},
    "col_cs_manager": {"en": "CS manager", "ru": "CS-менеджер"},
    "col_tier": {"en": "Tier", "ru": "Тариф"},
    "col_channel": {"en": "Channel", "ru": "Канал"},
    "col_task_type": {"en": "Task type", "ru": "Тип"},
    "col_status": {"en": "Status", "ru": "Статус"},
    "col_assignee": {"en": "Assignee", "ru": "Исполнитель"},
    "col_subject": {"en": "Subject", "ru": "Тема"},
    "col_created_at": {"en": "Created", "ru": "Создано"},
    "col_resolved_at": {"en": "Resolved", "ru": "Решено"},
    "col_resolution_due_at": {"en": "Resolution due", "ru": "Срок решения"},
    "col_response_due_at": {"en": "Response due", "ru": "Срок реакции"},
    "col_resolution_business_min": {"en": "Resolution (business time)", "ru": "Решение (рабочее время)"},
    "col_response_business_min": {"en": "Response (business time)", "ru": "Реакция (рабочее время)"},
    "col_resolution_target_min": {"en": "Target (business time)", "ru": "Норматив (рабочее время)"},
    "col_resolution_left_min": {"en": "Time left (business)", "ru": "Осталось (рабочее время)"},
    "col_sla_state": {"en": "SLA state", "ru": "Состояние SLA"},
    "col_tickets": {"en": "Tickets", "ru": "Обращения"},
    "col_open_tickets": {"en": "Open", "ru": "Открыто"},
    "col_at_risk_tickets": {"en": "At risk", "ru": "Под угрозой"},
    "col_open_breached_tickets": {"en": "Open, breached", "ru": "Открыто, просрочено"},
    "col_response_pct": {"en": "Response SLA, %", "ru": "SLA реакции, %"},
    "col_resolution_pct": {"en": "Resolution SLA, %", "ru": "SLA решения, %"},
    "col_median_resolution_h": {"en": "Median resolution, h", "ru": "Медиана решения, ч"},
    "col_group": {"en": "Group", "ru": "Группа"},
    "col_month": {"en": "Month", "ru": "Месяц"},
    "col_mrr": {"en": "MRR", "ru": "MRR"},
    "col_file": {"en": "File", "ru": "Файл"},
    "col_run_id": {"en": "Run", "ru": "Загрузка"},
    "col_backlog": {"en": "Backlog (open)", "ru": "Бэклог (открыто)"},
    "col_median_response_h": {"en": "Median response, h", "ru": "Медиана реакции, ч"},
    "col_p90_resolution_h": {"en": "P90 resolution, h", "ru": "P90 решения, ч"},
    "col_reopen_pct": {"en": "Reopened, %", "ru": "Переоткрыто, %"},
    "col_reassignment_pct": {"en": "Reassigned, %", "ru": "Переназначено, %"},
    "col_csat": {"en": "CSAT (1–5)", "ru": "CSAT (1–5)"},
    "col_response_met": {"en": "Response met", "ru": "Реакция в срок"},
    "col_met": {"en": "Resolution met", "ru": "Решение в срок"},
    "col_breached": {"en": "Breached", "ru": "Просрочено"},
    "col_kind": {"en": "Kind", "ru": "Вид"},
    "col_source": {"en": "Source", "ru": "Источник"},
    "col_rows_read": {"en": "Read", "ru": "Прочитано"},
    "col_rows_loaded": {"en": "Loaded", "ru": "Загружено"},
    "col_rows_rejected": {"en": "Rejected", "ru": "Отклонено"},
    "col_run_status": {"en": "Status", "ru": "Статус"},
    "col_message": {"en": "Message", "ru": "Сообщение"},
    "col_finished_at": {"en": "Finished", "ru": "Завершено"},
    "col_row_number": {"en": "Row", "ru": "Строка"},
    "col_column": {"en": "Column", "ru": "Столбец"},
    "col_reason": {"en": "Reason", "ru": "Причина"},
    "col_raw": {"en": "Row as read", "ru": "Строка как прочитана"},
    "col_module": {"en": "Module", "ru": "Модуль"},
    "col_paid": {"en": "Paid", "ru": "Оплачен"},
    "col_active_users_30d": {"en": "Users (window)", "ru": "Пользователи (период)"},
    "col_adoption_pct": {"en": "Adoption, %", "ru": "Внедрение, %"},
    "col_last_used_at": {"en": "Last used", "ru": "Последнее использование"},
    "col_is_gap": {"en": "Gap", "ru": "Пробел"},
    "col_trend_pct": {"en": "Trend, %", "ru": "Тренд, %"},
    "col_rank": {"en": "#", "ru": "№"},
    "col_value_at_stake": {"en": "MRR at stake", "ru": "MRR под угрозой"},
    "col_offer_text": {"en": "Offer", "ru": "Что предложить"},
    "col_action_text": {"en": "Action", "ru": "Действие"},
    "col_gap_count": {"en": "Gaps", "ru": "Пробелов"},
    "col_health_score": {"en": "Health", "ru": "Здоровье"},
    "col_band": {"en": "Band", "ru": "Зона"},
    "col_usage": {"en": "Usage", "ru": "Использование"},
    "col_adoption": {"en": "Adoption", "ru": "Внедрение"},
    "col_support": {"en": "Support", "ru": "Поддержка"},
    "col_renewal": {"en": "Renewal", "ru": "Продление"},
    "col_churn_risk_pct": {"en": "Churn risk, %", "ru": "Риск оттока, %"},
    "col_reasons_text": {"en": "Why", "ru": "Почему"},
    "col_upsell_text": {"en": "Why not now", "ru": "Почему не сейчас"},
    "col_sales_owner": {"en": "Sales owner", "ru": "Продавец"},
    "col_seat_pct": {"en": "Seats used, %", "ru": "Занято мест, %"},
    "col_accounts": {"en": "Accounts", "ru": "Клиенты"},
    "col_complexity_total": {"en": "Complexity", "ru": "Сложность"},
    "col_capacity": {"en": "Capacity", "ru": "Ёмкость"},
    "col_over_capacity": {"en": "Over capacity", "ru": "Сверх ёмкости"},
    "col_complexity_score": {"en": "Complexity", "ru": "Сложность"},
    "col_price": {"en": "Formula price", "ru": "Цена по формуле"},
    "col_support_price": {"en": "Price paid", "ru": "Фактическая цена"},
    "col_price_difference": {"en": "Formula − paid", "ru": "Формула − факт"},
    "col_price_gap_pct": {"en": "Gap, %", "ru": "Разница, %"},
    "col_flags": {"en": "Counted as 0", "ru": "Учтено как 0"},
    "col_group_a": {"en": "Group", "ru": "Группа"},
    "col_group_b": {"en": "Against", "ru": "Против"},
    "col_n_a": {"en": "n", "ru": "n"},
    "col_n_b": {"en": "n (against)", "ru": "n (против)"},
    "col_median_a_h": {"en": "Median, h", "ru": "Медиана, ч"},
    "col_median_b_h": {"en": "Median (against), h", "ru": "Медиана (против), ч"},
    "col_delta_pct": {"en": "Delta, %", "ru": "Разница, %"},
    "col_ci": {"en": "95 % CI, %", "ru": "95 % ДИ, %"},
    "col_verdict": {"en": "Verdict", "ru": "Вывод"},
    # SLA states
    "state_met": {"en": "met", "ru": "в срок"},
    "state_breached": {"en": "breached", "ru": "просрочено"},
    "state_open": {"en": "open", "ru": "открыто"},
    "state_at_risk": {"en": "at risk", "ru": "под угрозой"},
    "state_open_breached": {"en": "open, breached", "ru": "открыто, просрочено"},
    # --- ingest outcomes and source profiles (Data page, SLA page's agreement figure) ---
    "col_rows_invalid": {"en": "Invalid", "ru": "Ошибочные"},
    "col_rows_superseded": {"en": "Superseded", "ru": "Заменённые"},
    "col_rows_duplicate": {"en": "Duplicates", "ru": "Дубликаты"},
    "col_rows_history": {"en": "History rows", "ru": "Строки истории"},
    "col_category": {"en": "Kind", "ru": "Вид"},
    "col_value": {"en": "Value", "ru": "Значение"},
    "col_rows": {"en": "Rows", "ru": "Строк"},
    "run_failed": {
        "en": "{file}: nothing was loaded — every row was rejected (see the rejected rows below).",
        "ru": "{file}: ничего не загружено — отклонены все строки (см. отклонённые строки ниже).",
    },
    "rejects_by_why": {
        "en": "Invalid: **{invalid}** · superseded by a later row: {superseded} · "
        "exact duplicates: {duplicate}",
        "ru": "Ошибочные: **{invalid}** · заменены более поздней строкой: {superseded} · "
        "точные дубликаты: {duplicate}",
    },
    "reject_invalid": {"en": "invalid", "ru": "ошибка"},
    "reject_superseded": {"en": "superseded", "ru": "заменена"},
    "reject_duplicate": {"en": "duplicate", "ru": "дубликат"},
    "ingest_warnings": {"en": "Values no target knows", "ru": "Значения без норматива"},
    "no_ingest_warnings": {
        "en": "Every channel, task type and status loaded is one the SLA targets know.",
        "ru": "Все загруженные каналы, типы задач и статусы известны нормативам SLA.",
    },
    "warning_unknown_value": {"en": "unknown value", "ru": "неизвестное значение"},
    "warning_empty_value": {"en": "empty value", "ru": "пустое значение"},
    "defaults_applied": {"en": "Defaults applied", "ru": "Применённые значения по умолчанию"},
    "default_calendar_applied": {
        "en": "Business time is counted on the default calendar — {timezone}, {workdays}, {hours}, "
        "public holidays: {holidays} — for every account without a calendar or timezone of its own "
        "(placeholder accounts included).",
        "ru": "Рабочее время считается по календарю по умолчанию — {timezone}, {workdays}, {hours}, "
        "праздники: {holidays} — для всех клиентов без своего календаря или часового пояса "
        "(включая клиентов-заглушки).",
    },
    "made_sla_agreement": {"en": "Agreement with the source tool", "ru": "Совпадение с оценкой системы"},
    "made_sla_agreement_help": {
        "en": "Share of resolved tickets where our resolution verdict (met or breached) equals the "
        "source tool's own (ServiceNow's made_sla); {n} tickets carry one.",
        "ru": "Доля решённых обращений, где наша оценка решения (в срок или просрочено) совпадает с "
        "оценкой исходной системы (made_sla в ServiceNow); оценка есть у {n} обращений.",
    },
    # --- issue 12 (dashboard): charts over small months, queues, the Russian UI ---
    "tickets_n": {"en": "Tickets (n)", "ru": "Обращений (n)"},
    "partial_month": {"en": "month in progress", "ru": "месяц не закончен"},
    "month_marks_note": {
        "en": "Bars: tickets in the month (n, also on hover). Hollow points and pink bars: fewer than "
        "{n} tickets, read with care. Shaded: the current month, still in progress. Breaks: months "
        "without tickets.",
        "ru": "Столбики — обращений за месяц (n, также при наведении). Полые точки и розовые столбики — "
        "меньше {n} обращений, выводы осторожно. Затенён текущий, ещё не закончившийся месяц. "
        "Разрывы — месяцы "
        "без обращений.",
    },
    "month_bars_note": {
        "en": "Bars: tickets in the month (n, also on hover). Shaded: the current month, still in progress.",
        "ru": "Столбики — обращений за месяц (n, также при наведении). Затенён текущий, ещё не "
        "закончившийся месяц.",
    },
    "duration_h": {"en": "{value} h", "ru": "{value} ч"},
    "duration_min": {"en": "{value} min", "ru": "{value} мин"},
    "col_overdue_min": {"en": "Overdue by (business time)", "ru": "Просрочено на (рабочее время)"},
    "col_age_days": {"en": "Age, days", "ru": "Возраст, дн."},
    "responses_inferred": {
        "en": "{n} of {answered} answered tickets ({share}) have no recorded first response and no reply "
        "event in the export: their resolution counts as their first response. In the response times "
        "it is counted as the resolution is, net of pauses; the response target is judged on the "
        "response clock, which does not stop for pauses.",
        "ru": "У {n} из {answered} обращений с ответом ({share}) в выгрузке нет ни времени первого ответа, "
        "ни ответов агента: первым ответом считается решение. Во времени реакции оно посчитано так "
        "же, как решение, — без пауз; норматив реакции проверяется по часам реакции, которые на паузах "
        "не останавливаются.",
    },
    "choose": {"en": "Choose…", "ru": "Выберите…"},
    "ci95": {"en": "95 % CI", "ru": "95 % ДИ"},
    # values from the exports in the reader's language (value_<column>_<value>); others as written
    "value_status_new": {"en": "new", "ru": "новое"},
    "value_status_open": {"en": "open", "ru": "открыто"},
    "value_status_in_progress": {"en": "in progress", "ru": "в работе"},
    "value_status_pending": {"en": "pending", "ru": "ожидание"},
    "value_status_on_hold": {"en": "on hold", "ru": "отложено"},
    "value_status_waiting_on_customer": {"en": "waiting on the client", "ru": "ждём клиента"},
    "value_status_resolved": {"en": "resolved", "ru": "решено"},
    "value_status_solved": {"en": "solved", "ru": "решено"},
    "value_status_closed": {"en": "closed", "ru": "закрыто"},
    "value_status_reopened": {"en": "reopened", "ru": "переоткрыто"},
    "value_status_cancelled": {"en": "cancelled", "ru": "отменено"},
    "value_channel_email": {"en": "e-mail", "ru": "эл. почта"},
    "value_channel_chat": {"en": "chat", "ru": "чат"},
    "value_channel_phone": {"en": "phone", "ru": "телефон"},
    "value_channel_portal": {"en": "portal", "ru": "портал"},
    "value_channel_crm": {"en": "CRM", "ru": "CRM"},
    "value_task_type_simple": {"en": "simple", "ru": "простая"},
    "value_task_type_compound": {"en": "compound", "ru": "составная"},
    "value_task_type_bug": {"en": "bug", "ru": "ошибка"},
    "value_task_type_enhancement": {"en": "enhancement", "ru": "доработка"},
    "value_tier_standard": {"en": "standard", "ru": "стандарт"},
    "value_tier_premium": {"en": "premium", "ru": "премиум"},
    "value_tier_ism": {"en": "dedicated manager (ISM)", "ru": "выделенный менеджер (ISM)"},
    "value_band_green": {"en": "green", "ru": "зелёная"},
    "value_band_yellow": {"en": "yellow", "ru": "жёлтая"},
    "value_band_red": {"en": "red", "ru": "красная"},
    "value_verdict_faster": {"en": "faster", "ru": "быстрее"},
    "value_verdict_slower": {"en": "slower", "ru": "медленнее"},
    "value_verdict_no clear difference": {"en": "no clear difference", "ru": "явной разницы нет"},
    "value_verdict_too few tickets": {"en": "too few tickets", "ru": "мало обращений"},
    "value_pricing_status_underpriced": {"en": "underpriced", "ru": "недооценён"},
    "value_pricing_status_overpriced": {"en": "overpriced", "ru": "переоценён"},
    "value_pricing_status_in line": {"en": "in line", "ru": "в норме"},
    "value_pricing_status_no price": {"en": "no price", "ru": "нет цены"},
    "value_group_b_others": {"en": "others", "ru": "остальные"},
    "value_reassignments_0": {"en": "no hand-off", "ru": "без передач"},
    "value_reassignments_1": {"en": "1 hand-off", "ru": "1 передача"},
    "value_reassignments_2+": {"en": "2+ hand-offs", "ru": "2+ передачи"},
    "value_group_a_others": {"en": "others", "ru": "остальные"},
    "value_calendar_default": {"en": "default", "ru": "по умолчанию"},
    "value_bool_True": {"en": "yes", "ru": "да"},
    "value_bool_False": {"en": "no", "ru": "нет"},
}


# Plotly's own words (the chart toolbar's tooltips, its notices) in Russian, handed to each chart
# as its `locales` config: Streamlit's Plotly bundle registers no locale but English. The keys are
# Plotly's English strings, as its localize() looks them up.
PLOTLY_DICTIONARIES: dict[str, dict[str, str]] = {
    "ru": {
        "Autoscale": "Автомасштаб",
        "Box Select": "Выделить прямоугольником",
        "Lasso Select": "Выделить лассо",
        "Compare data on hover": "Сравнивать значения при наведении",
        "Show closest data on hover": "Показывать ближайшее значение при наведении",
        "Toggle Spike Lines": "Линии к осям",
        "Download plot as a PNG": "Сохранить график как PNG",
        "Download plot": "Сохранить график",
        "Download plot as JSON": "Сохранить график как JSON",
        "Preparing image - this may take a few seconds": "Готовим изображение — это может занять пару секунд",
        "Taking snapshot - this may take a few seconds": "Делаем снимок — это может занять пару секунд",
        "Snapshot succeeded": "Снимок готов",
        "Sorry, there was a problem downloading your snapshot!": "Не удалось сохранить снимок",
        "Double-click to zoom back out": "Двойной щелчок — вернуть масштаб",
        "Double-click on legend to isolate one trace": "Двойной щелчок по легенде — оставить одну линию",
        "Pan": "Сдвиг",
        "Reset axes": "Сбросить оси",
        "Reset view": "Сбросить вид",
        "Reset views": "Сбросить виды",
        "Reset": "Сбросить",
        "Zoom": "Масштаб",
        "Zoom in": "Увеличить",
        "Zoom out": "Уменьшить",
        "Produced with Plotly.js": "Сделано в Plotly.js",
        "trace": "ряд",
        "new text": "новый текст",
    },
}


@cache  # every chart of every rerun asks; the names never change
def plotly_format(language: str) -> dict[str, object]:
    """Plotly's locale format for `language`: month and day names (a hover's '%b %Y' reads
    'окт. 2026'), the decimal comma and the thin space between thousands, as the tiles write them."""
    locale = locale_of(language)
    months = get_month_names("wide", context="stand-alone", locale=locale)
    short_months = get_month_names("abbreviated", context="stand-alone", locale=locale)
    days = get_day_names("wide", context="stand-alone", locale=locale)
    short_days = get_day_names("abbreviated", context="stand-alone", locale=locale)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # babel counts from Monday, d3 from Sunday
    return {
        "months": [str(months[m]) for m in range(1, 13)],
        "shortMonths": [str(short_months[m]) for m in range(1, 13)],
        "days": [str(days[d]) for d in sunday_first],
        "shortDays": [str(short_days[d]) for d in sunday_first],
        "decimal": get_decimal_symbol(locale),
        "thousands": get_group_symbol(locale),
    }


def weekdays(codes: list[str], language: str = "en") -> str:
    """["mon", "tue"] (as the config writes them) -> 'Mon, Tue' / 'пн, вт'."""
    names = get_day_names("abbreviated", locale=locale_of(language))
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return ", ".join(str(names[order.index(c)]) if c in order else c for c in codes)


def t(key: str, language: str = "en", **values: object) -> str:
    """The label `key` in `language` (English when a translation is missing), filled with values."""
    entry = TEXT[key]
    text = entry.get(language) or entry["en"]
    return text.format(**values) if values else text


def locale_of(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, language: str = "en", digits: int = 0) -> str:
    """1234.5 -> '1,234.5' (en) or '1 234,5' (ru); '—' for no value."""
    if value is None or _missing(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale_of(language))


def percent(value: float | None, language: str = "en", digits: int = 1) -> str:
    """0.934 -> '93.4%' (en) or '93,4 %' (ru)."""
    if value is None or _missing(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=locale_of(language))


def signed_percent(points: float | None, language: str = "en") -> str:
    """-78.2 (percentage points) -> '−78%' / '−78 %': a true minus sign, for intervals."""
    if _missing(points):
        return "—"
    value = float(points)  # type: ignore[arg-type]
    return ("−" if value < 0 else "") + percent(abs(value) / 100, language, 0)


def hours(minutes: float | None, language: str = "en") -> str:
    """Business minutes shown as hours: 150 -> '2.5 h' / '2,5 ч'."""
    if _missing(minutes):
        return "—"
    return t("hours_unit", language, value=number(float(minutes) / 60, language, 1))  # type: ignore[arg-type]


def day(value: date | datetime | None, language: str = "en") -> str:
    if value is None:
        return "—"
    return format_date(value, format="medium", locale=locale_of(language))


def moment(value: datetime | None, language: str = "en") -> str:
    if value is None:
        return "—"
    return format_datetime(value, format="medium", locale=locale_of(language))


def month_label(value: date, language: str = "en") -> str:
    """date(2026, 3, 1) -> 'Mar 2026' / 'мар. 2026 г.'."""
    return format_date(value, format="LLL yyyy", locale=locale_of(language))


def duration(minutes: float | None, language: str = "en") -> str:
    """Business minutes for people: 465.2167 -> '7 h 45 min' / '7 ч 45 мин', -65 -> '−1 h 5 min'."""
    if _missing(minutes):
        return "—"
    whole = round(abs(float(minutes)))  # type: ignore[arg-type]
    hours_part, minutes_part = divmod(whole, 60)
    parts = [t("duration_h", language, value=number(hours_part, language))] if hours_part else []
    if minutes_part or not hours_part:
        parts.append(t("duration_min", language, value=minutes_part))
    return ("−" if float(minutes) < 0 and whole else "") + " ".join(parts)  # type: ignore[arg-type]


MANAGER_COLUMNS = ("cs_manager", "manager", "group_a", "group_b")


def value_label(column: str, value: object, language: str = "en") -> str | object:
    """A value from the data in the reader's language: known statuses, channels, task types,
    tiers, bands and verdicts are translated, a missing manager has one label everywhere, any
    other value is shown as written."""
    if column in MANAGER_COLUMNS and (value is None or value == "" or _missing(value)):  # type: ignore[arg-type]
        return t("no_manager", language)
    if isinstance(value, bool):
        return t(f"value_bool_{value}", language)
    key = f"value_{column}_{value}"
    return t(key, language) if key in TEXT else value
