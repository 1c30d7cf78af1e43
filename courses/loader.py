"""Load a programme (courses, modules, quizzes) from a JSON file into the Wagtail page tree.

The rule for re-runs, so that editors never lose work silently:

* a page that does not exist is created and published;
* a page whose latest revision is still the one the loader published is updated when the
  file's content for it changed, and left alone when it did not (so re-runs duplicate nothing);
* a page that an editor changed since (its latest revision is not the loader's) is **skipped**
  and reported, unless ``force=True``; with force, the file's content is published as a new
  revision, and the editor's version stays in the page's revision history.

Stream block ids are derived from the file's slugs (uuid5), so re-loading keeps the ids that
quiz attempts refer to.

Each course's ``challenges`` (weekly challenges, Wagtail snippets) follow the same rule, keyed
by course slug + week + title. A snippet has no revisions, so ``LoadedChallenge`` records a hash
of the challenge's fields as loaded: a challenge whose fields no longer match it was edited in the
admin and is skipped unless ``force=True``. A challenge with the same key that the loader did not
create is editors' content and is left alone.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.documents import get_document_model
from wagtail.models import Collection, Locale, Page, Site
from wagtail.utils.file import hash_filelike

from .models import Challenge, CourseIndexPage, CoursePage, HomePage, LoadedChallenge, LoadedContent, ModulePage

NAMESPACE = uuid.UUID("6f1c7d52-4c1b-4c8e-9b7e-2d8b7a1f0c11")
WAGTAIL_WELCOME_TITLE = "Welcome to your new Wagtail site!"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped_edited: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped_edited)} skipped (edited in the admin)"
        )


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _hash(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def challenge_state_hash(challenge: Challenge) -> str:
    """Hash of the fields an editor can change; differs from the loader's record once edited.

    ``cues`` joins the hash only when there are some, so challenges loaded before the field
    existed keep their hash (they are not mistaken for edited ones)."""
    state = {
        "course": challenge.course_id,
        "week": challenge.week,
        "kind": challenge.kind,
        "title": challenge.title,
        "brief": challenge.brief,
        "module": challenge.module_id,
        "target": challenge.target,
        "openers": [block.value for block in challenge.openers],
        "tips": [block.value for block in challenge.tips],
    }
    if cues := [block.value for block in challenge.cues]:
        state["cues"] = cues
    return _hash(state)


def _ensure_root_collection() -> None:
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


class ProgrammeLoader:
    def __init__(self, path: Path, *, media_dir: Path | None = None, force: bool = False, stdout=None):
        self.path = Path(path)
        self.media_dir = media_dir or self.path.parent / "media"
        self.force = force
        self.report = LoadReport()
        self.stdout = stdout
        self.data = json.loads(self.path.read_text(encoding="utf-8"))

    # --- tree ---------------------------------------------------------------------------
    @transaction.atomic
    def load(self) -> LoadReport:
        home = self._home()
        index = self._upsert(
            key="courses-index",
            parent=home,
            model=CourseIndexPage,
            slug="courses",
            fields={"title": "Courses", "intro": ""},
        )
        for course_data in self.data["courses"]:
            course = self._upsert(
                key=f"course:{course_data['slug']}",
                parent=index,
                model=CoursePage,
                slug=course_data["slug"],
                fields=self._course_fields(course_data),
            )
            modules = {}
            for module_data in course_data["modules"]:
                modules[module_data["slug"]] = self._upsert(
                    key=f"module:{course_data['slug']}/{module_data['slug']}",
                    parent=course,
                    model=ModulePage,
                    slug=module_data["slug"],
                    fields=self._module_fields(course_data["slug"], module_data),
                )
            for challenge_data in course_data.get("challenges", []):
                self._upsert_challenge(course, course_data["slug"], modules, challenge_data)
        return self.report

    def _home(self) -> HomePage:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        existing = HomePage.objects.first()
        if existing is None:
            root = self._root()
            title = self.data.get("site", {}).get("title", "Micro-connections Academy")
            intro = self.data.get("site", {}).get("intro", "")
            # Wagtail's initial migration creates a placeholder at slug "home"; move it aside.
            placeholder = root.get_children().filter(slug="home").first()
            if placeholder and placeholder.specific_class is Page and placeholder.title == WAGTAIL_WELCOME_TITLE:
                placeholder.delete()
                placeholder = None
            existing = root.add_child(
                instance=HomePage(title=title, slug="home" if placeholder is None else "academy", intro=intro)
            )
            existing.save_revision().publish()
            self.report.created.append("home")
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=existing,
                is_default_site=True,
                site_name="Micro-connections Academy",
            )
        elif site.root_page_id != existing.pk:
            site.root_page = existing
            site.save()
        return existing

    @staticmethod
    def _root() -> Page:
        """The tree root; recreated (with the default locale and the root collection, which
        documents and images need) if a database flush removed them."""
        _ensure_root_collection()
        root = Page.get_first_root_node()
        if root is None:
            code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
            locale, _ = Locale.objects.get_or_create(language_code=code)
            root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        return root

    def _upsert(self, *, key, parent, model, slug, fields):
        content_hash = _hash(fields)
        record = LoadedContent.objects.filter(key=key).select_related("page").first()
        page = record.page.specific if record else None
        if page is None:
            page = model.objects.child_of(parent).filter(slug=slug).first()
            if page is not None:
                # Exists but not from this loader: treat as editors' content.
                self.report.skipped_edited.append(key)
                return page
            page = model(slug=slug, **fields)
            parent.add_child(instance=page)
            revision = page.save_revision()
            revision.publish()
            LoadedContent.objects.create(key=key, page=page, revision_id=revision.pk, content_hash=content_hash)
            self.report.created.append(key)
            return page

        edited = page.latest_revision_id != record.revision_id
        if not self._should_update(key, edited=edited, same_content=record.content_hash == content_hash):
            return page
        page = page.get_latest_revision_as_object()
        for name, value in fields.items():
            setattr(page, name, value)
        revision = page.save_revision()
        revision.publish()
        record.revision_id = revision.pk
        record.content_hash = content_hash
        record.save(update_fields=["revision_id", "content_hash", "loaded_at"])
        self.report.updated.append(key)
        return page

    def _should_update(self, key: str, *, edited: bool, same_content: bool) -> bool:
        """The re-run rule (module docstring) for loaded content that exists; reports skips."""
        if edited and not self.force:
            self.report.skipped_edited.append(key)
            if self.stdout:
                self.stdout.write(f"  kept editors' changes to {key} (use --force to overwrite)")
            return False
        if not edited and same_content:
            self.report.unchanged.append(key)
            return False
        return True

    def _upsert_challenge(self, course, course_slug, modules, data) -> Challenge:
        key = f"challenge:{course_slug}/{data['week']}/{data['title']}"
        content_hash = _hash(data)
        fields = self._challenge_fields(course_slug, modules, data)
        record = LoadedChallenge.objects.filter(key=key).select_related("challenge").first()
        if record is None:
            existing = Challenge.objects.filter(course=course, week=data["week"], title=data["title"]).first()
            if existing is not None:
                # Exists but not from this loader: treat as editors' content.
                self.report.skipped_edited.append(key)
                return existing
            challenge = Challenge.objects.create(course=course, **fields)
            LoadedChallenge.objects.create(
                key=key, challenge=challenge, content_hash=content_hash, state_hash=challenge_state_hash(challenge)
            )
            self.report.created.append(key)
            return challenge

        challenge = record.challenge
        edited = challenge_state_hash(challenge) != record.state_hash
        if not self._should_update(key, edited=edited, same_content=record.content_hash == content_hash):
            return challenge
        for name, value in fields.items():
            setattr(challenge, name, value)
        challenge.save()
        record.content_hash = content_hash
        record.state_hash = challenge_state_hash(challenge)
        record.save(update_fields=["content_hash", "state_hash", "loaded_at"])
        self.report.updated.append(key)
        return challenge

    # --- fields -------------------------------------------------------------------------
    def _challenge_fields(self, course_slug: str, modules: dict, data: dict) -> dict:
        base = (course_slug, "challenge", data["week"], data["title"])
        # The programme's only calendar value: a week outside 1-52 is refused (the load is atomic).
        Challenge._meta.get_field("week").run_validators(data["week"])
        return {
            "week": data["week"],
            "kind": data.get("kind", "networking"),
            "title": data["title"],
            "brief": data["brief"],
            "module": modules.get(data.get("module")),
            "target": data.get("target", 3),
            "openers": self._list(base, "opener", data.get("openers", []), block_type="opener"),
            "tips": self._list(base, "tip", data.get("tips", []), block_type="tip"),
            "cues": self._list(base, "cue", data.get("cues", []), block_type="cue"),
        }

    def _course_fields(self, data: dict) -> dict:
        credit = self.data.get("source", {}).get("credit", "")
        return {
            "title": data["title"],
            "summary": data["summary"],
            "intro": data.get("intro", ""),
            "learning_outcomes": [
                {"type": "outcome", "value": text, "id": _id(data["slug"], "outcome", i)}
                for i, text in enumerate(data.get("learning_outcomes", []))
            ],
            "estimated_minutes": data.get("estimated_minutes", 60),
            "programme_hours": data.get("programme_hours", 1),
            "self_enrol": data.get("self_enrol", True),
            "source_credit": credit,
            **self._badge_fields(data.get("badge")),
        }

    @staticmethod
    def _badge_fields(badge: dict | None) -> dict:
        """The practice badge rule (docs/badges.md), only for a course whose file has a ``badge`` object,
        so the content hash of a course without one does not change."""
        if badge is None:
            return {}
        return {
            "badge_enabled": badge.get("enabled", True),
            "badge_name": badge.get("name", "Practice badge"),
            "badge_min_weeks_met": badge.get("min_weeks_met", 6),
            "badge_min_follow_ups": badge.get("min_follow_ups", 5),
            "badge_valid_days": badge.get("valid_days", 180),
        }

    def _module_fields(self, course_slug: str, data: dict) -> dict:
        base = (course_slug, data["slug"])
        quiz = data.get("quiz") or {}
        return {
            "title": data["title"],
            "summary": data.get("summary", ""),
            "estimated_minutes": data.get("estimated_minutes", 10),
            "required": data.get("required", True),
            "body": [self._body_block(base, i, block) for i, block in enumerate(data.get("body", []))],
            "quiz": [self._question(base, i, q) for i, q in enumerate(quiz.get("questions", []))],
            "quiz_pass_mark": quiz.get("pass_mark", 70),
            "quiz_max_attempts": quiz.get("max_attempts", 0),
            "quiz_shuffle": quiz.get("shuffle", True),
            "quiz_reveal": quiz.get("reveal", "after_pass"),
        }

    def _list(self, base, name, items, block_type="item"):
        return [{"type": block_type, "value": item, "id": _id(*base, name, i)} for i, item in enumerate(items)]

    def _body_block(self, base, index, block):
        kind, value = block["type"], block["value"]
        if kind == "checklist":
            value = {"title": value["title"], "items": self._list((*base, index), "item", value["items"])}
        elif kind == "openers":
            value = {
                "title": value.get("title", "Openers to try"),
                "intro": value.get("intro", ""),
                "openers": self._list((*base, index), "opener", value["openers"]),
            }
        elif kind == "audio":
            value = self._audio(value)
        return {"type": kind, "value": value, "id": _id(*base, "body", index)}

    def _audio(self, value: dict) -> dict:
        path = self.media_dir / value["file"]
        transcript_path = self.media_dir / value.get("transcript_file", "")
        transcript = value.get("transcript") or (
            transcript_path.read_text(encoding="utf-8").strip() if transcript_path.is_file() else ""
        )
        captions = value.get("captions_file")
        if captions:
            captions = self._document(self.media_dir / captions, f"{value['title']} (captions)").pk
        return {
            "title": value["title"],
            "audio": self._document(path, value["title"]).pk,
            "captions": captions,
            "description": value.get("description", ""),
            "transcript": transcript,
        }

    def _document(self, path: Path, title: str):
        Document = get_document_model()
        with path.open("rb") as fh:
            digest = hash_filelike(fh)
        existing = Document.objects.filter(file_hash=digest).first()
        if existing:
            return existing
        _ensure_root_collection()
        with path.open("rb") as fh:
            document = Document(title=title)
            document.file.save(path.name, File(fh), save=False)
            document._set_document_file_metadata()
            document.save()
        return document

    def _question(self, base, index, q):
        qid = _id(*base, "q", index)
        return {
            "type": "question",
            "id": qid,
            "value": {
                "kind": q["type"],
                "text": q["text"],
                "partial_credit": bool(q.get("partial_credit")),
                "explanation": q.get("explanation", ""),
                "options": [
                    {
                        "type": "item",
                        "id": _id(*base, "q", index, "o", j),
                        "value": {"text": o["text"], "correct": bool(o["correct"]), "feedback": o.get("feedback", "")},
                    }
                    for j, o in enumerate(q["options"])
                ],
            },
        }
