"""The demo guided-relaxation audio is a real, audible recording.

The MP3 is decoded with ``miniaudio`` (a self-contained wheel from PyPI, no
system codecs needed) and checked for length, size and loudness, so a silent,
truncated or "click in silence" file cannot slip through. See
fixtures/media/README.md for how the file is made.
"""

from __future__ import annotations

import array
import math
import operator
import random
from pathlib import Path

import miniaudio

AUDIO = Path(__file__).resolve().parents[2] / "fixtures" / "media" / "relaxation.mp3"
TRANSCRIPT = AUDIO.with_name("relaxation-transcript.txt")

MIN_SECONDS = 7.5 * 60  # the article offers an eight-minute relaxation; ours is about as long
MAX_SECONDS = 10 * 60.0
MAX_BYTES = 6 * 1024 * 1024  # mono MP3 at 64 kbit/s: about 4 MB for eight minutes
# Whole-file RMS must be well above silence (digital silence is -inf dBFS,
# a quiet room recording around -60 dBFS).
MIN_RMS_DBFS = -35.0
# A 100 ms window counts as "sound" above this level; the file's quiet
# background bed sits well below it, so only the voice counts.
WINDOW_SECONDS = 0.1
WINDOW_SOUND_DBFS = -40.0
MIN_SOUND_FRACTION = 0.30
FULL_SCALE = 32768.0


def _dbfs(sum_of_squares: float, count: int) -> float:
    if count == 0 or sum_of_squares <= 0:
        return float("-inf")
    return 20 * math.log10(math.sqrt(sum_of_squares / count) / FULL_SCALE)


def decode_mono(path: Path) -> tuple[array.array, int]:
    """Decode an audio file to mono signed 16-bit samples at its own rate."""
    info = miniaudio.get_file_info(str(path))
    decoded = miniaudio.decode_file(
        str(path),
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=1,
        sample_rate=info.sample_rate,
    )
    return decoded.samples, decoded.sample_rate


def audio_problems(samples: array.array, sample_rate: int) -> list[str]:
    """Return why ``samples`` is not a real, audible recording (empty if it is)."""
    problems = []
    seconds = len(samples) / sample_rate if sample_rate else 0.0
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        problems.append(f"duration {seconds:.1f} s is outside {MIN_SECONDS}-{MAX_SECONDS} s")

    total = 0
    windows = sounding = 0
    step = int(sample_rate * WINDOW_SECONDS)
    for start in range(0, len(samples) - step + 1, step):
        window = samples[start : start + step]
        energy = sum(map(operator.mul, window, window))
        total += energy
        windows += 1
        if _dbfs(energy, step) > WINDOW_SOUND_DBFS:
            sounding += 1
    tail = samples[windows * step :]
    total += sum(map(operator.mul, tail, tail))

    rms = _dbfs(total, len(samples))
    if rms < MIN_RMS_DBFS:
        problems.append(f"RMS level {rms:.1f} dBFS is below {MIN_RMS_DBFS} dBFS")
    fraction = sounding / windows if windows else 0.0
    if fraction < MIN_SOUND_FRACTION:
        problems.append(
            f"only {fraction:.0%} of {WINDOW_SECONDS * 1000:.0f} ms windows are above "
            f"{WINDOW_SOUND_DBFS} dBFS (need {MIN_SOUND_FRACTION:.0%})"
        )
    return problems


def test_relaxation_audio_is_real_audible_narration():
    assert AUDIO.is_file(), f"missing {AUDIO}"
    assert 0 < AUDIO.stat().st_size < MAX_BYTES
    assert TRANSCRIPT.read_text(encoding="utf-8").startswith("Guided relaxation: eight minutes of calm\n")

    samples, sample_rate = decode_mono(AUDIO)

    assert audio_problems(samples, sample_rate) == []


def _pcm(seconds: float, rate: int = 22050) -> array.array:
    return array.array("h", bytes(2 * int(seconds * rate)))


def test_check_rejects_silence():
    problems = audio_problems(_pcm(500), 22050)

    assert any("RMS" in p for p in problems)
    assert any("windows" in p for p in problems)


def test_check_rejects_a_click_in_silence():
    # One second of loud tone in 500 s of silence: loud enough overall, but
    # almost every 100 ms window is silent.
    rate = 22050
    samples = _pcm(500, rate)
    for i in range(rate):
        samples[100 * rate + i] = int(20000 * math.sin(2 * math.pi * 440 * i / rate))

    problems = audio_problems(samples, rate)

    assert len(problems) == 1 and "windows" in problems[0]


def test_check_rejects_too_short_audio():
    rate = 22050
    noise = random.Random(1)
    samples = array.array("h", (noise.randint(-8000, 8000) for _ in range(10 * rate)))

    problems = audio_problems(samples, rate)

    assert len(problems) == 1 and "duration" in problems[0]
