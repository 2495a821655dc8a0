"""The demo group a newcomer sees first: a few articles and events in several languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fedhub.actions import groups, publish
from fedhub.domain import records
from fedhub.domain.drafts import validate_article, validate_event
from fedhub.errors import Conflict
from fedhub.settings import Settings
from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.uris import Uris

DEMO_SLUG = "demo"

# A one-page PDF (hand-assembled, valid enough for readers), so the demo shows an attachment.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 55>>stream\nBT /F1 18 Tf 20 70 Td (Safety guide - demo) Tj ET\nendstream\nendobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

ARTICLE_EN = """Our network met in Tbilisi to compare notes on **digital safety** for activists.

This report summarises what worked: separate devices for organising, disappearing messages,
and a shared checklist for events. The full guide is attached as a PDF.

- Use a password manager.
- Keep organiser lists off public pages.
- Review who can see your group's followers.
"""

ARTICLE_UK = """Наша мережа зустрілася в Тбілісі, щоб обмінятися досвідом **цифрової безпеки** для активістів.

Цей звіт підсумовує, що спрацювало: окремі пристрої для організації, зникаючі повідомлення
та спільний чек-лист для подій. Повний посібник додано у форматі PDF.
"""

ARTICLE_KA = """ბერლინში ჩვენმა ქსელმა გამოაქვეყნა ახალი კვლევა თანასწორობის შესახებ.

კვლევა აღწერს, როგორ იცავენ ჯგუფები ერთმანეთს და როგორ იზიარებენ ინფორმაციას.
"""


async def seed_demo(database: Database, settings: Settings) -> records.Group:
    """Create the demo group and its content; running it twice changes nothing."""
    try:
        group = await groups.create_group(
            database,
            DEMO_SLUG,
            "Rainbow Rights Network (demo)",
            "A demo group: human-rights news, reports and events from across the region.",
            "en",
        )
    except Conflict:
        async with database.reading() as session:
            return await actors.get_group(session, DEMO_SLUG)
    uris = Uris(settings.base_url)
    report = await publish.publish_article(
        database,
        settings,
        validate_article(
            group_slug=DEMO_SLUG,
            lang="en",
            title="Digital safety for organisers: what we learned in Tbilisi",
            body_markdown=ARTICLE_EN,
            summary="",
            tags=["DigitalSafety", "Report"],
        ),
        [publish.Upload("safety-guide.pdf", DEMO_PDF, "application/pdf", "Safety guide (PDF)")],
    )
    await publish.add_translation(
        database,
        settings,
        uris.post(DEMO_SLUG, "article", report.public_id),
        lang="uk",
        title="Цифрова безпека для організаторів: що ми дізналися в Тбілісі",
        body_markdown=ARTICLE_UK,
    )
    await publish.publish_article(
        database,
        settings,
        validate_article(
            group_slug=DEMO_SLUG,
            lang="ka",
            title="ახალი კვლევა თანასწორობის შესახებ",
            body_markdown=ARTICLE_KA,
            summary="",
            tags=["კვლევა"],
        ),
    )
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=14)
    await publish.publish_event(
        database,
        settings,
        validate_event(
            group_slug=DEMO_SLUG,
            lang="en",
            title="Community workshop: documenting rights violations",
            body_markdown="A hands-on workshop on collecting evidence safely. Bring a laptop.",
            start=soon.replace(hour=18).strftime("%Y-%m-%dT%H:%M"),
            end=soon.replace(hour=20).strftime("%Y-%m-%dT%H:%M"),
            timezone="Asia/Tbilisi",
            place_name="Community Centre",
            address="12 Rustaveli Avenue, Tbilisi, Georgia",
            online_url="",
            tags=["Workshop"],
        ),
    )
    later = soon + timedelta(days=7)
    await publish.publish_event(
        database,
        settings,
        validate_event(
            group_slug=DEMO_SLUG,
            lang="uk",
            title="Онлайн-зустріч: підтримка ЛГБТ+ військових",
            body_markdown="Розмова з ветеранами та правозахисниками. Реєстрація не потрібна.",
            start=later.replace(hour=17).strftime("%Y-%m-%dT%H:%M"),
            end=later.replace(hour=19).strftime("%Y-%m-%dT%H:%M"),
            timezone="Europe/Kyiv",
            place_name="",
            address="",
            online_url="https://meet.example.org/support",
            tags=["Online"],
        ),
    )
    return group
