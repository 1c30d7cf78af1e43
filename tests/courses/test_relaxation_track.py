"""The demo guided relaxation is paced as it asks, and its captions follow the audio.

Everything is measured on the committed files: the MP3 is decoded with ``miniaudio`` and cut
into 50 ms windows; a window is *sound* above -40 dBFS and *quiet* below it (the track's soft
noise bed sits near -55 dBFS). What an instruction asks is read from its caption's words, not
from the generator: "three more breaths, in for four and out for six" asks for 30 s of quiet,
"a few breaths" for three breaths at the pace the track teaches. See
scripts/make_relaxation_audio.py for how the files are made.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.courses.test_demo_audio import decode_mono

MEDIA = Path(__file__).resolve().parents[2] / "fixtures" / "media"
AUDIO, CAPTIONS, TRANSCRIPT = MEDIA / "relaxation.mp3", MEDIA / "relaxation.vtt", MEDIA / "relaxation-transcript.txt"

WINDOW = 0.05  # seconds
SOUND_DBFS = -40.0
EDGE = 0.2  # seconds of slack at a cue's edges (MP3 encoder delay, fades of the voice)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
NUMBERS |= {"a couple of": 2, "a few": 3, "twice": 2}


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_webvtt(text: str) -> list[Cue]:
    assert text.startswith("WEBVTT"), "not a WebVTT file"
    cues = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, end = (part.strip().split(" ")[0] for part in lines[timing].split("-->"))
        cues.append(Cue(_seconds(start), _seconds(end), " ".join(lines[timing + 1 :]).strip()))
    return cues


# --- what an instruction asks ---------------------------------------------------------------
_PACE = re.compile(r"\bin for (?:a count of )?(\w+),? and out for (?:a count of )?(\w+)", re.IGNORECASE)
_BREATHS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|a couple of|a few)\s+"
    r"(?:more\s+)?(?:slow\s+|deep\s+|deeper\s+)?breaths?\b",
    re.IGNORECASE,
)


def taught_pace(cues: list[Cue]) -> int:
    """Seconds of one breath at the pace the track teaches ("in for four, and out for six")."""
    for cue in cues:
        match = _PACE.search(cue.text)
        if match:
            return NUMBERS[match[1].lower()] + NUMBERS[match[2].lower()]
    raise AssertionError("the track never states its breathing pace")


def asked_seconds(text: str, pace: int) -> int | None:
    """The quiet an instruction asks for, or None if it asks for no timed pause."""
    match = _BREATHS.search(text)
    if not match:
        return None
    stated = _PACE.search(text)
    cycle = NUMBERS[stated[1].lower()] + NUMBERS[stated[2].lower()] if stated else pace
    return NUMBERS[match[1].lower()] * cycle


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Now take three more breaths on your own, in for four, and out for six.", 30),
        ("Twice more: two breaths, in for two, and out for three.", 10),
        ("Stay with this picture for a few breaths.", 30),
        ("Take one deeper breath in, and let it go.", 10),
        ("Keep doing this for the next four breaths.", 40),
        ("Feel them sink a little further each time you breathe out.", None),
        ("Let your breathing find its own easy rhythm again.", None),
    ],
)
def test_asked_seconds_reads_the_instruction(text, seconds):
    assert asked_seconds(text, pace=10) == seconds


# --- measuring the audio --------------------------------------------------------------------
@cache
def levels() -> tuple[list[bool], float]:
    """Per 50 ms window, whether it is sound; and the track's duration in seconds."""
    samples, rate = decode_mono(AUDIO)
    step = int(rate * WINDOW)
    floor = (10 ** (SOUND_DBFS / 20) * 32768) ** 2 * step
    sound = []
    for start in range(0, len(samples) - step + 1, step):
        window = samples[start : start + step]
        sound.append(sum(map(operator.mul, window, window)) > floor)
    return sound, len(samples) / rate


def quiet_after(sound: list[bool], at: float) -> float:
    """Length of the quiet run just after ``at`` (a cue's end): the run holding ``at + EDGE``,
    counted from no earlier than ``at - EDGE``. Zero if there is sound there."""
    i = math.floor((at + EDGE) / WINDOW)
    if i >= len(sound) or sound[i]:
        return 0.0
    start, end, earliest = i, i, max(0, math.floor((at - EDGE) / WINDOW))
    while start > earliest and not sound[start - 1]:
        start -= 1
    while end < len(sound) and not sound[end]:
        end += 1
    return (end - start) * WINDOW


def onsets(sound: list[bool], start: float, end: float) -> list[float]:
    """Times where sound begins after quiet, within [start - EDGE, end]."""
    first, last = max(1, math.floor((start - EDGE) / WINDOW)), math.ceil(end / WINDOW)
    return [i * WINDOW for i in range(first, min(last, len(sound))) if sound[i] and not sound[i - 1]]


@pytest.fixture(scope="module")
def cues() -> list[Cue]:
    return parse_webvtt(CAPTIONS.read_text(encoding="utf-8"))


def test_track_lasts_about_eight_minutes():
    _, seconds = levels()
    assert 7.5 * 60 <= seconds <= 10 * 60, f"{seconds:.1f} s"


def test_every_breathing_instruction_gets_the_quiet_it_asks_for(cues):
    sound, _ = levels()
    pace = taught_pace(cues)
    asked = [(cue, asked_seconds(cue.text, pace)) for cue in cues]
    asked = [(cue, seconds) for cue, seconds in asked if seconds]
    # The track asks for timed breaths several times; a track without them would pass vacuously.
    assert len(asked) >= 4
    short = [
        f"{cue.text!r} at {cue.end:.1f} s asks for {seconds} s, gets {quiet_after(sound, cue.end):.1f} s"
        for cue, seconds in asked
        if quiet_after(sound, cue.end) < seconds
    ]
    assert short == []


def test_counted_breaths_run_at_the_counts_they_state(cues):
    """'Breathe in… two… three… four.' takes four seconds, one count a second; 'out' six."""
    sound, _ = levels()
    counted = [(i, cue) for i, cue in enumerate(cues) if re.match(r"(Breathe in|And out)…", cue.text)]
    assert len(counted) >= 4
    for i, cue in counted:
        words = cue.text.rstrip(".").split("… ")
        seconds = NUMBERS[words[-1].lower()]
        assert cues[i + 1].start - cue.start >= seconds - EDGE, cue.text
        heard = onsets(sound, cue.start, cue.start + seconds - 0.5)
        assert len(heard) == len(words), f"{cue.text}: {len(heard)} onsets"
        gaps = [b - a for a, b in itertools.pairwise(heard)]
        assert all(abs(gap - 1) <= 0.25 for gap in gaps), f"{cue.text}: counts {gaps}"


def test_captions_cover_the_audio_without_gaps_longer_than_the_pauses(cues):
    sound, seconds = levels()
    assert cues == sorted(cues, key=lambda c: c.start)
    assert all(c.start < c.end for c in cues)
    assert cues[-1].end <= seconds
    # Every window of sound lies inside a cue (with EDGE of slack).
    uncovered = [
        round(i * WINDOW, 2)
        for i, loud in enumerate(sound)
        if loud and not any(c.start - EDGE <= i * WINDOW <= c.end + EDGE for c in cues)
    ]
    assert uncovered == []
    # Between two cues the audio is quiet throughout: no caption gap is longer than its pause.
    for before, after in itertools.pairwise(cues):
        gap = after.start - before.end
        assert gap >= 0, f"cues overlap at {after.start}"
        if gap > 2 * EDGE:
            assert quiet_after(sound, before.end) >= gap - 2 * EDGE, f"sound in the caption gap after {before.text!r}"


def test_transcript_carries_every_caption(cues):
    transcript = " ".join(TRANSCRIPT.read_text(encoding="utf-8").split())
    missing = [cue.text for cue in cues if cue.text not in transcript]
    assert missing == []


def test_webvtt_parser_reads_cues_and_skips_notes():
    text = (
        "WEBVTT\n\nNOTE made by hand\n\n1\n00:00:01.500 --> 00:00:04.000\nHello there.\n\n"
        "00:01:00.000 --> 00:01:02.250 align:start\nTwo\nlines.\n"
    )
    assert parse_webvtt(text) == [Cue(1.5, 4.0, "Hello there."), Cue(60.0, 62.25, "Two lines.")]


def test_quiet_after_and_onsets_measure_runs():
    sound = [True] * 20 + [False] * 40 + [True] * 10 + [False] * 10 + [True] * 5
    assert quiet_after(sound, 1.0) == pytest.approx(2.0)
    assert quiet_after(sound, 2.0) == pytest.approx(1.2)  # counted from 1.8 s, not from the run's start
    assert quiet_after(sound, 3.0) == 0.0  # sound just after: no pause
    assert onsets(sound, 0.5, 4.5) == [pytest.approx(3.0), pytest.approx(4.0)]
