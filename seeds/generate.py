"""Deterministic demo data: numpy in, pandas DataFrames out. No database here.

``generate(leads, seed, anchor)`` returns a :class:`Dataset` whose frames match the tables of
``migrations/versions/0001_core_schema.py`` column for column (derived columns the database
computes itself are left out: ``handoff.sla_deadline_at``, ``decision_due_at``,
``minutes_to_first_touch``, ``sla_policy_id``). ``handoff.first_touch_at`` is included as the
generator knows it; the loader still has ``refresh_handoff_touch`` confirm it. Same ``(leads, seed, anchor)`` → identical frames.

Time model: every timestamp is built as integer seconds since the Unix epoch (UTC) and nothing
happens at or after the *anchor moment*, 00:00 UTC of the anchor date. Data covers the
``PERIOD_DAYS`` days before it. Business hours, weekdays and seasons are those of the company
time zone (America/New_York). A lead's timeline is strictly ordered:
created < MQL < hand-off < (reassigned) < decision < recycled < re-MQL < second hand-off ...,
and opportunity created > acceptance, closed > created.

Everything is vectorised: loops run over channels, campaigns or cycles, never over leads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

COMPANY_TZ = "America/New_York"
PERIOD_DAYS = 548  # ~18 months
MIN = 60
HOUR = 3600
DAY = 86400
EPOCH_DOW_OFFSET = 3  # 1970-01-01 was a Thursday; (days + 3) % 7 gives Monday = 0

TABLES = ("team", "rep", "account", "campaign", "lead", "handoff", "lead_event", "activity",
          "opportunity", "opportunity_stage_change")

# --------------------------------------------------------------------------- vocabularies

CHANNELS = ["paid_search", "paid_social", "organic", "content", "webinar", "event", "email",
            "partner", "referral", "sdr_outbound"]
N_MARKETING = 7  # the first seven channels are marketing channels (channel.is_marketing)
CH = {c: i for i, c in enumerate(CHANNELS)}

INDUSTRIES = ["Software", "Financial services", "Healthcare", "Manufacturing", "Retail",
              "Education", "Public sector", "Media"]
INDUSTRY_P = [0.22, 0.14, 0.12, 0.13, 0.12, 0.08, 0.07, 0.12]
INDUSTRY_SUFFIX = [
    ["Software", "Labs", "Systems", "Cloud", "Data"],
    ["Capital", "Bank", "Financial", "Insurance", "Wealth"],
    ["Health", "Medical", "Clinics", "Care", "Pharma"],
    ["Manufacturing", "Industries", "Components", "Robotics", "Materials"],
    ["Retail", "Stores", "Outfitters", "Market", "Brands"],
    ["University", "Academy", "Learning", "College", "Schools"],
    ["County", "Transit Authority", "Water District", "Housing Agency", "Port Authority"],
    ["Media", "Studios", "Publishing", "Broadcasting", "News"],
]
NAME_A = ["North", "Blue", "Silver", "Summit", "Red", "Green", "Iron", "Oak", "Bright", "Stone",
          "Clear", "High", "West", "East", "South", "Cedar", "Maple", "River", "Lake", "Sun",
          "Star", "Golden", "Pine", "Granite", "Harbor", "Falcon", "Eagle", "Crystal", "Swift",
          "True", "Prime", "Apex", "Nova", "Polar", "Copper", "Coral", "Amber", "Frost", "Metro",
          "Urban", "Alder", "Birch", "Willow", "Hazel", "Aspen", "Rock", "Wind", "Storm", "Moon", "Sky"]
NAME_B = ["ridge", "field", "gate", "wood", "brook", "view", "point", "haven", "stone", "bridge",
          "crest", "dale", "ford", "mark", "light", "line", "path", "peak", "port", "shore",
          "side", "vale", "well", "works", "wave", "bay", "hill", "land", "mont", "star",
          "combe", "track", "stream", "spring", "grove", "cliff", "row", "hurst", "ton", "wick",
          "by", "stead", "mere", "moor", "fall", "glen", "holm", "croft", "leigh", "worth"]

COUNTRIES = [  # ISO-2, region, weight
    ("US", "NA", 42), ("CA", "NA", 6), ("BR", "LATAM", 3), ("MX", "LATAM", 2), ("AR", "LATAM", 1),
    ("CL", "LATAM", 1), ("CO", "LATAM", 1), ("GB", "EMEA", 9), ("DE", "EMEA", 7), ("FR", "EMEA", 5),
    ("NL", "EMEA", 3), ("SE", "EMEA", 2), ("ES", "EMEA", 2), ("IE", "EMEA", 1.5), ("IT", "EMEA", 2),
    ("CH", "EMEA", 1), ("ZA", "EMEA", 1), ("AE", "EMEA", 1), ("PL", "EMEA", 1.5), ("AU", "APAC", 4),
    ("JP", "APAC", 2), ("SG", "APAC", 2), ("IN", "APAC", 3), ("NZ", "APAC", 1),
]
BANDS = ["1-49", "50-199", "200-999", "1000-4999", "5000+"]
BAND_P = [0.30, 0.30, 0.22, 0.12, 0.06]
# P(tier | band): overall ≈ 10 % tier 1, 30 % tier 2, 60 % tier 3; bigger companies more strategic.
TIER_GIVEN_BAND = np.array([[0.01, 0.15, 0.84], [0.04, 0.28, 0.68], [0.12, 0.42, 0.46],
                            [0.25, 0.45, 0.30], [0.45, 0.40, 0.15]])
BAND_LEAD_WEIGHT = np.array([1.0, 2.0, 4.0, 7.0, 12.0])

FUNCTIONS = ["Marketing", "Sales", "IT", "Finance", "Operations", "HR", "Engineering", "Executive"]
FUNCTION_P = [0.27, 0.14, 0.14, 0.08, 0.12, 0.05, 0.13, 0.07]
SENIORITIES = ["entry", "manager", "director", "vp", "c_level"]
SENIORITY_P = np.array([[0.30, 0.36, 0.21, 0.10, 0.03]] * 7 + [[0.0, 0.0, 0.0, 0.45, 0.55]])
JOB_TITLES = [  # [seniority][function]
    ["Marketing Coordinator", "Sales Representative", "IT Specialist", "Financial Analyst",
     "Operations Analyst", "HR Coordinator", "Software Engineer", "Chief of Staff"],
    ["Marketing Manager", "Sales Manager", "IT Manager", "Finance Manager", "Operations Manager",
     "HR Manager", "Engineering Manager", "General Manager"],
    ["Director of Marketing", "Director of Sales", "Director of IT", "Finance Director",
     "Director of Operations", "HR Director", "Director of Engineering", "Managing Director"],
    ["VP Marketing", "VP Sales", "VP IT", "VP Finance", "VP Operations", "VP People",
     "VP Engineering", "Executive Vice President"],
    ["Chief Marketing Officer", "Chief Revenue Officer", "Chief Information Officer",
     "Chief Financial Officer", "Chief Operating Officer", "Chief People Officer",
     "Chief Technology Officer", "Chief Executive Officer"],
]

FIRST_NAMES = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra",
    "Steven", "Ashley", "Paul", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kevin",
    "Melissa", "Brian", "Stephanie", "George", "Rebecca", "Timothy", "Laura", "Ryan", "Sharon",
    "Jacob", "Cynthia", "Nicholas", "Amy", "Eric", "Anna", "Jonathan", "Angela", "Justin", "Emma",
    "Brandon", "Olivia", "Samuel", "Sophia", "Benjamin", "Grace", "Nathan", "Chloe", "Aaron",
    "Hannah", "Ethan", "Zoë", "Lucas", "Léa", "Mateo", "Sofía", "José", "Camila", "Diego", "Lucía",
    "Hiroshi", "Yuki", "Kenji", "Aiko", "Wei", "Mei", "Arjun", "Priya", "Rahul", "Ananya",
    "Oliver", "Isla", "Liam", "Freya", "Noah", "Ingrid", "Lars", "Astrid", "Jürgen", "Anke",
    "François", "Chloé", "Pierre", "Amélie", "Giulia", "Marco", "Fatima", "Omar", "Aisha", "Kwame",
    "Ama", "Thabo", "Naledi", "Siobhán", "Seán", "Niamh", "Ewan", "Mia", "Noor", "Leila",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
    "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
    "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
    "Howard", "Kim", "Patel", "Shah", "Singh", "Kumar", "Chen", "Wang", "Li", "Zhang", "Tanaka",
    "Suzuki", "Sato", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Lefèvre",
    "Moreau", "Rossi", "Russo", "Bianchi", "Fernández", "Núñez", "Silva", "Santos", "Oliveira",
    "Costa", "Jansen", "de Vries", "Andersson", "Johansson", "Nielsen", "Kowalski", "Nowak",
    "O'Brien", "O'Connor", "Byrne", "MacDonald", "Okafor", "Mensah", "Haddad", "Khan", "Ali",
]

# Rejection reasons, in the order of the check constraint.
REASONS = ["bad_fit", "no_budget", "wrong_contact", "duplicate", "no_response", "not_interested", "other"]
COMMENTS = [
    # other (a comment is mandatory)
    "Student / job seeker", "Competitor doing research", "Existing customer - passed to account management",
    "Agency asking on behalf of a client", "Vendor trying to sell to us", "Looking for a free tool only",
    "Partner inquiry - routed to partnerships",
    # bad_fit
    "Too small for our product", "Outside our sales territory", "Uses a stack we do not integrate with",
    "Consumer, not a business",
    # no_budget
    "Budget frozen until next fiscal year", "Evaluating again next quarter",
    # wrong_contact
    "Intern, not the decision maker", "Left the company", "Pointed me to the right person",
    # duplicate
    "Already in an open opportunity", "Same person as another lead",
    # no_response
    "3 calls and 2 emails, no answer", "Voicemail full",
    # not_interested
    "Happy with current vendor", "Only wanted the content",
    # reassignment notes (on reassigned events)
    "Rep on leave", "Territory change", "Rebalancing workload", "Rep left the company",
]
#: per reason: (first comment index, number of comments, share of events with a comment)
REASON_COMMENTS = [(7, 4, 0.40), (11, 2, 0.25), (13, 3, 0.30), (16, 2, 0.30), (18, 2, 0.20),
                   (20, 2, 0.25), (0, 7, 1.0)]
REASSIGN_COMMENT_FIRST = 22
REASSIGN_COMMENT_LEFT = 25

EVENT_TYPES = ["mql", "handed_off", "accepted", "rejected", "recycled", "reassigned"]
ET = {e: i for i, e in enumerate(EVENT_TYPES)}

ACTIVITY_TYPES = ["call", "email", "meeting", "linkedin", "form_fill", "webinar", "content_download",
                  "email_click", "web_visit"]
AT = {a: i for i, a in enumerate(ACTIVITY_TYPES)}
SUBJECTS = [
    "Intro call", "Discovery call", "Left voicemail", "Follow-up call",               # 0-3 call
    "Re: your request", "Following up", "Quick question", "Resources you asked for",  # 4-7 email
    "Intro meeting", "Product demo",                                                  # 8-9 meeting
    "Connection request", "InMail",                                                   # 10-11 linkedin
    "Demo request form", "Contact us form", "Pricing page form", "Booth scan",        # 12-15 form_fill
    "Attended webinar",                                                               # 16
    "Downloaded eBook", "Downloaded report",                                          # 17-18
    "Clicked newsletter link",                                                        # 19
    "Visited pricing page", "Visited blog",                                           # 20-21
    "Welcome email", "Sequence step 2", "Nurture: monthly digest", "Nurture: case study",  # 22-25 automated
]
#: subject choices per activity type for rep touches and engagement: (first index, count)
SUBJECT_RANGE = {AT["call"]: (0, 4), AT["email"]: (4, 4), AT["meeting"]: (8, 2), AT["linkedin"]: (10, 2),
                 AT["form_fill"]: (12, 3), AT["webinar"]: (16, 1), AT["content_download"]: (17, 2),
                 AT["email_click"]: (19, 1), AT["web_visit"]: (20, 2)}

STAGES = ["discovery", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
LOST_REASONS = ["price", "competitor", "no decision", "timing", "product gap"]
PRODUCTS = [["Enterprise platform", "Enterprise expansion", "Global rollout"],
            ["Business plan", "Analytics add-on", "Department rollout"],
            ["Team plan", "Starter plan", "Team plan renewal upgrade"]]

# --------------------------------------------------------------------------- behaviour knobs

# Channel mix by account tier (rows: tier 1..3).
CHANNEL_P = np.array([
    [0.10, 0.07, 0.08, 0.10, 0.14, 0.14, 0.07, 0.08, 0.07, 0.15],
    [0.17, 0.12, 0.14, 0.12, 0.10, 0.07, 0.07, 0.07, 0.06, 0.08],
    [0.20, 0.16, 0.19, 0.12, 0.07, 0.04, 0.08, 0.05, 0.05, 0.04],
])
CH_QUALITY = np.array([0.0, -0.55, -0.1, 0.0, 0.35, 0.2, 0.05, 0.3, 0.6, 0.25])
CH_MQL_BIAS = np.array([0.0, -0.35, -0.25, 0.0, 0.45, 0.3, -0.15, 0.3, 0.6, 0.15])
TIER_QUALITY = np.array([0.3, 0.1, -0.1])
SENIORITY_QUALITY = np.array([-0.35, 0.0, 0.2, 0.3, 0.2])
FUNCTION_QUALITY = np.array([0.2, 0.15, 0.0, -0.05, 0.0, -0.3, -0.1, 0.2])
MQL_ALPHA = -0.78
#: The demo's MQL rule (criteria v1 in seeds/demo_qualification.py, in force from the first day):
#: a lead score of at least this. Leads that became MQLs score at least this; leads that did not,
#: below it (scores are today's; a lead still short of it has not qualified yet).
MQL_SCORE = 40
ACCEPT_BASE = np.array([0.56, 0.30, 0.52, 0.58, 0.78, 0.64, 0.50, 0.68, 0.84, 0.72])
TIER_ACCEPT = np.array([0.07, 0.0, -0.06])
REJECT_P = np.array([  # bad_fit, no_budget, wrong_contact, duplicate, no_response, not_interested, other
    [0.24, 0.12, 0.12, 0.07, 0.20, 0.15, 0.10],  # paid_search
    [0.34, 0.10, 0.16, 0.05, 0.16, 0.13, 0.06],  # paid_social
    [0.26, 0.12, 0.12, 0.06, 0.19, 0.15, 0.10],  # organic
    [0.20, 0.12, 0.12, 0.06, 0.20, 0.20, 0.10],  # content
    [0.16, 0.16, 0.10, 0.08, 0.22, 0.18, 0.10],  # webinar
    [0.15, 0.10, 0.10, 0.15, 0.28, 0.14, 0.08],  # event
    [0.22, 0.12, 0.12, 0.08, 0.20, 0.16, 0.10],  # email
    [0.20, 0.18, 0.10, 0.10, 0.16, 0.16, 0.10],  # partner
    [0.18, 0.22, 0.10, 0.05, 0.15, 0.20, 0.10],  # referral
    [0.15, 0.20, 0.08, 0.04, 0.25, 0.20, 0.08],  # sdr_outbound
])
TIER_REJECT_MULT = np.array([[0.5, 1.2, 1.0, 1.2, 1.0, 1.0, 1.0], [1.0] * 7, [1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
#: share of rejected hand-offs never touched, by reason (quick data-based rejections are often untouched)
UNTOUCHED_BY_REASON = np.array([0.22, 0.04, 0.15, 0.30, 0.0, 0.03, 0.10])
CH_OPP_ADJ = np.array([0.0, -0.08, 0.0, 0.0, 0.05, 0.03, 0.0, 0.05, 0.10, 0.02])
CH_WIN_ADJ = np.array([0.0, -0.07, 0.0, 0.0, 0.03, 0.03, 0.0, 0.05, 0.10, 0.0, 0.0])  # last: no lead
TIER_OPP = np.array([0.40, 0.29, 0.21])
TIER_WIN = np.array([0.22, 0.28, 0.33])
TIER_AMOUNT = np.array([60000.0, 25000.0, 8000.0])
TIER_CYCLE_DAYS = np.array([95.0, 60.0, 35.0])
# cost per *lead* by marketing channel (spend = leads sourced × CPL × noise + base)
CPL = np.array([95.0, 60.0, 6.0, 35.0, 45.0, 230.0, 5.0])
CAMPAIGN_BASE_SPEND = np.array([2000.0, 1500.0, 300.0, 1500.0, 800.0, 15000.0, 200.0])


# --------------------------------------------------------------------------- public API


@dataclasses.dataclass
class Dataset:
    leads: int
    seed: int
    anchor: dt.date
    anchor_ts: int  # epoch seconds of the anchor moment (00:00 UTC of the anchor date)
    frames: dict[str, pd.DataFrame]

    @property
    def anchor_moment(self) -> pd.Timestamp:
        return pd.Timestamp(self.anchor_ts, unit="s", tz="UTC")

    def row_counts(self) -> dict[str, int]:
        return {t: len(self.frames[t]) for t in TABLES}

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.frames[table]


def parse_anchor(value: str | dt.date | None) -> dt.date:
    """``None`` → today (UTC); a ``YYYY-MM-DD`` string or a date → that date."""
    if value is None:
        return dt.datetime.now(dt.timezone.utc).date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        d = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"anchor {value!r} is not a date in the form YYYY-MM-DD") from None
    if not 2001 <= d.year <= 2200:
        raise ValueError(f"anchor {value!r} is out of range (years 2001-2200)")
    return d


def anchor_timestamp(anchor: dt.date) -> int:
    return int(dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.timezone.utc).timestamp())


def generate(leads: int, seed: int, anchor: str | dt.date | None = None) -> Dataset:
    if int(leads) < 1:
        raise ValueError("leads must be a positive integer")
    if int(seed) < 0:
        raise ValueError("seed must be zero or a positive integer")
    anchor_d = parse_anchor(anchor)
    g = _Generator(int(leads), int(seed), anchor_d)
    return Dataset(int(leads), int(seed), anchor_d, g.anchor_ts, g.run())


# --------------------------------------------------------------------------- helpers


def _ln(rng: np.random.Generator, median, sigma, size) -> np.ndarray:
    """Log-normal draws with the given median."""
    return np.asarray(median, dtype=float) * np.exp(sigma * rng.standard_normal(size))


def _pick(rng: np.random.Generator, p, size) -> np.ndarray:
    c = np.cumsum(np.asarray(p, dtype=float))
    return np.minimum(np.searchsorted(c / c[-1], rng.random(size), side="right"), len(c) - 1)


def _pick_rows(rng: np.random.Generator, P: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix."""
    c = np.cumsum(P, axis=1)
    c /= c[:, -1:]
    u = rng.random(len(P))
    return np.minimum((c <= u[:, None]).sum(axis=1), P.shape[1] - 1)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _fold(s: str) -> str:
    """ASCII e-mail local part of a name: 'Núñez' -> 'nunez', "O'Brien" -> 'obrien'."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _expand(counts: np.ndarray):
    """For groups of the given sizes: (group index per item, position within group)."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    grp = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(total) - np.repeat(starts, counts)
    return grp, pos


def _cat(codes, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=list(categories))


def _ts(sec, valid=None) -> pd.Series:
    """Epoch seconds → datetime64[s, UTC] (NaT where not valid)."""
    a = np.asarray(sec, dtype=np.int64).astype("datetime64[s]")
    if valid is not None:
        a = a.copy()
        a[~np.asarray(valid, dtype=bool)] = np.datetime64("NaT")
    return pd.Series(a).dt.tz_localize("UTC")


def _date(days) -> pd.Series:
    """Days since epoch → datetime64[s] (naive: a calendar date at midnight)."""
    return pd.Series(np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]"))


def _nint(values, valid, dtype="Int32") -> pd.arrays.IntegerArray:
    values = np.asarray(values)
    valid = np.asarray(valid, dtype=bool)
    np_dtype = {"Int16": np.int16, "Int32": np.int32, "Int64": np.int64}[dtype]
    return pd.arrays.IntegerArray(np.where(valid, values, 0).astype(np_dtype), ~valid)


class _Clock:
    """UTC <-> company local time, by per-day UTC offsets (America/New_York)."""

    def __init__(self, anchor: dt.date):
        self.anchor_ts = anchor_timestamp(anchor)
        self.anchor_day = self.anchor_ts // DAY
        self.first_day = self.anchor_day - PERIOD_DAYS  # first local date with data
        self.start_ts = self.first_day * DAY
        self.day0 = self.first_day - 1500
        days = np.arange(self.day0, self.anchor_day + 800)
        noon = pd.DatetimeIndex((days * DAY + 12 * HOUR).astype("datetime64[s]")).tz_localize("UTC")
        local = noon.tz_convert(COMPANY_TZ).tz_localize(None)
        self.off = ((local - noon.tz_localize(None)) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)

    def _o(self, t):
        return self.off[np.clip(np.asarray(t, dtype=np.int64) // DAY - self.day0, 0, len(self.off) - 1)]

    def to_local(self, t):
        return t + self._o(t)

    def from_local(self, lt):
        return lt - self._o(lt)

    @staticmethod
    def dow(lt):
        return (lt // DAY + EPOCH_DOW_OFFSET) % 7

    @staticmethod
    def in_business_hours(lt):
        h = lt % DAY
        return (_Clock.dow(lt) < 5) & (h >= 9 * HOUR) & (h < 18 * HOUR)

    @staticmethod
    def next_business_morning(lt):
        """09:00 local of the next working day (today if before 09:00 on a weekday)."""
        d = lt // DAY
        dw = (d + EPOCH_DOW_OFFSET) % 7
        same = (dw < 5) & ((lt % DAY) < 9 * HOUR)
        nd = np.where(same, d, d + 1)
        ndw = (nd + EPOCH_DOW_OFFSET) % 7
        nd = nd + np.where(ndw == 5, 2, np.where(ndw == 6, 1, 0))
        return nd * DAY + 9 * HOUR


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, n_leads: int, seed: int, anchor: dt.date):
        self.n = n_leads
        self.anchor = anchor
        self.clock = _Clock(anchor)
        self.anchor_ts = self.clock.anchor_ts
        self.A = self.anchor_ts
        seq = np.random.SeedSequence([seed, 0xA11B0A])
        names = ["reps", "accounts", "campaigns", "leads", "people", "funnel", "cycle1", "cycle2",
                 "activity", "opps", "sales_opps", "scores"]   # add new streams at the end only
        self.rngs = dict(zip(names, (np.random.default_rng(s) for s in seq.spawn(len(names)))))

    # ------------------------------------------------------------------ orchestration
    def run(self) -> dict[str, pd.DataFrame]:
        self._reps()
        self._accounts()
        self._campaigns()
        self._lead_times_and_sources()
        self._people()
        self._funnel()
        self._opportunities()
        return self._frames()

    # ------------------------------------------------------------------ people in the company
    def _reps(self):
        rng = self.rngs["reps"]
        s = float(np.clip(1 + 0.9 * np.log10(max(self.n, 1) / 20000), 1.0, 3.0))
        n_mkt, n_sdr, n_ae = round(6 * s), round(8 * s), round(8 * s)
        mkt_titles = ["Demand Generation Manager", "Content Marketing Manager", "Field Marketing Manager",
                      "Marketing Operations Manager", "Growth Marketing Manager", "Digital Marketing Specialist",
                      "Product Marketing Manager", "Events Manager", "Lifecycle Marketing Manager"]
        rows = [("Head of Marketing", 1, "lead")]
        rows += [(mkt_titles[i % len(mkt_titles)], 1, "marketer") for i in range(n_mkt)]
        rows += [("SDR Manager", 2, "lead")]
        rows += [("Senior Sales Development Representative" if i % 4 == 0 else
                  "Sales Development Representative", 2, "sdr") for i in range(n_sdr)]
        rows += [("VP Sales", 3, "lead"), ("CRO", 3, "exec")]
        rows += [("Enterprise Account Executive" if i % 3 == 0 else
                  "Senior Account Executive" if i % 3 == 1 else "Account Executive", 3, "ae")
                 for i in range(n_ae)]
        n = len(rows)
        # unique people: draw distinct (first, last) pairs whose e-mail is unique
        combos = rng.permutation(len(FIRST_NAMES) * len(LAST_NAMES))
        full, emails, seen = [], [], set()
        for c in combos:
            f, last = FIRST_NAMES[c // len(LAST_NAMES)], LAST_NAMES[c % len(LAST_NAMES)]
            e = f"{_fold(f)}.{_fold(last)}@example.com"
            if e in seen:
                continue
            seen.add(e)
            full.append(f"{f} {last}")
            emails.append(e)
            if len(full) == n:
                break
        self.rep_id = np.arange(1, n + 1)
        self.rep_title = [r[0] for r in rows]
        self.rep_team = np.array([r[1] for r in rows], dtype=np.int16)
        role = np.array([r[2] for r in rows])
        self.rep_name, self.rep_email = full, emails
        self.marketers = self.rep_id[role == "marketer"]
        self.sdrs = self.rep_id[role == "sdr"]
        self.aes = self.rep_id[role == "ae"]
        self.sdr_manager = int(self.rep_id[(role == "lead") & (self.rep_team == 2)][0])
        self.vp_sales = int(self.rep_id[(role == "lead") & (self.rep_team == 3)][0])
        A = self.A
        created = self.clock.start_ts - rng.integers(60, 1100, n) * DAY - rng.integers(0, DAY, n)
        # one SDR joined ~7 months ago, one left ~5 months ago (inactive now)
        self.hired_sdr = int(self.sdrs[-1])
        self.departed_sdr = int(self.sdrs[1])
        self.hire_ts = A - 210 * DAY + 14 * HOUR
        self.leave_ts = A - 150 * DAY + 21 * HOUR
        created[self.hired_sdr - 1] = self.hire_ts
        self.rep_created = created
        self.rep_active = np.ones(n, dtype=bool)
        self.rep_active[self.departed_sdr - 1] = False
        # per-rep behaviour (index = rep id; non-sales reps keep neutral values)
        touch_med = np.zeros(n + 1)
        for team in (self.sdrs, self.aes):
            k = len(team)
            # typical reps: 1-3 h; two fast (~15-20 min as measured), two slow (6-10 h)
            med = rng.uniform(50, 140, k)
            order = rng.permutation(k)
            med[order[0]] = rng.uniform(10, 13)
            med[order[1]] = rng.uniform(11, 14)
            med[order[2]] = rng.uniform(280, 420)
            med[order[3]] = rng.uniform(320, 450)
            touch_med[team] = med
        self.rep_touch_median_min = touch_med
        self.rep_accept_bias = np.zeros(n + 1)
        self.rep_accept_bias[self.sdrs] = rng.normal(0, 0.05, len(self.sdrs))
        self.rep_accept_bias[self.aes] = rng.normal(0, 0.04, len(self.aes))
        self.rep_accept_bias[self.sdrs[rng.integers(2, len(self.sdrs) - 1)]] = -0.18  # the picky one
        self.rep_decision_speed = np.ones(n + 1)
        self.rep_decision_speed[1:] = _ln(rng, 1.0, 0.45, n)
        # SDRs who are always there (routing fallback, reassignment targets)
        self.core_sdrs = np.array([r for r in self.sdrs if r not in (self.hired_sdr, self.departed_sdr)])

    # ------------------------------------------------------------------ accounts
    def _accounts(self):
        rng = self.rngs["accounts"]
        m = max(200, self.n // 15)
        self.n_acc = m
        band = _pick(rng, BAND_P, m)
        u = rng.random(m)
        c = np.cumsum(TIER_GIVEN_BAND[band], axis=1)
        tier = 1 + (c <= u[:, None]).sum(axis=1)
        industry = _pick(rng, INDUSTRY_P, m)
        country = _pick(rng, [c[2] for c in COUNTRIES], m)
        names = np.empty(m, dtype=object)
        domains = np.empty(m, dtype=object)
        per_industry = len(NAME_A) * len(NAME_B) * 5
        for i in range(len(INDUSTRIES)):
            idx = np.flatnonzero(industry == i)
            if not len(idx):
                continue
            replace = len(idx) > per_industry
            combo = rng.choice(per_industry, size=len(idx), replace=replace)
            a, rest = np.divmod(combo, len(NAME_B) * 5)
            b, sfx = np.divmod(rest, 5)
            base = np.char.add(np.array(NAME_A)[a], np.array(NAME_B)[b])
            names[idx] = np.char.add(np.char.add(base, " "), np.array(INDUSTRY_SUFFIX[i])[sfx])
            domains[idx] = np.char.add(np.char.add(np.char.lower(base),
                                                   np.array([_fold(x)[:12] for x in INDUSTRY_SUFFIX[i]])[sfx]),
                                       ".example")
        if m > per_industry:  # only for huge runs: keep names distinguishable
            dup = pd.Series(names).duplicated().to_numpy()
            names[dup] = [f"{x} ({i})" for i, x in zip(np.flatnonzero(dup), names[dup])]
        self.acc_band, self.acc_tier, self.acc_industry, self.acc_country = band, tier, industry, country
        self.acc_region = np.array([c[1] for c in COUNTRIES])[country]
        self.acc_name, self.acc_domain = names, domains
        self.acc_owner = self.aes[rng.integers(0, len(self.aes), m)]
        self.acc_lead_weight = BAND_LEAD_WEIGHT[band] * _ln(rng, 1.0, 0.8, m)
        self.acc_preexisting = rng.random(m) < 0.6
        self.acc_created = np.where(
            self.acc_preexisting,
            self.clock.start_ts - rng.integers(30, 1100, m) * DAY - rng.integers(0, DAY, m),
            self.clock.start_ts + (rng.random(m) * (self.A - 2 * DAY - self.clock.start_ts)).astype(np.int64),
        )

    # ------------------------------------------------------------------ campaigns
    def _campaigns(self):
        rng = self.rngs["campaigns"]
        ck = self.clock
        first, last = ck.first_day, ck.anchor_day - 1
        rows = []  # (name, channel, start_day, end_day, weight, event_start, event_len)

        def month_start(d):
            return int(np.datetime64(int(d), "D").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))

        def label(d):
            return str(np.datetime64(int(d), "D").astype(object).strftime("%b %Y"))

        def iso(d):
            return str(np.datetime64(int(d), "D"))

        # paid search: three always-on campaigns per quarter
        q = np.datetime64(int(first), "D").astype("datetime64[M]")
        q = q - (q.astype(int) % 3)
        while q.astype("datetime64[D]").astype(np.int64) <= last:
            qs = int(q.astype("datetime64[D]").astype(np.int64))
            qe = int((q + 3).astype("datetime64[D]").astype(np.int64)) - 1
            y, qn = q.astype(object).year, (q.astype(object).month - 1) // 3 + 1
            for kind, w in (("Brand", 0.45), ("Competitor", 0.2), ("Category", 0.35)):
                rows.append((f"Paid search - {kind} - Q{qn} {y}", CH["paid_search"], qs, qe, w, 0, 0))
            q = q + 3
        # paid social: overlapping flights every five weeks
        themes = ["Alignment playbook", "ROI calculator", "Customer story", "Free trial", "Benchmark report",
                  "Product launch"]
        d, k = first - 20, 0
        while d <= last:
            platform = "LinkedIn" if k % 3 != 2 else "Meta"
            rows.append((f"Paid social - {platform} - {themes[k % len(themes)]} - {label(d)}", CH["paid_social"],
                         d, d + int(rng.integers(42, 71)), float(_ln(rng, 1.0, 0.3, 1)[0]), 0, 0))
            d, k = d + 35, k + 1
        # organic: one always-on programme per half-year
        h = np.datetime64(int(first), "D").astype("datetime64[M]")
        h = h - (h.astype(int) % 6)
        while h.astype("datetime64[D]").astype(np.int64) <= last:
            hs = int(h.astype("datetime64[D]").astype(np.int64))
            he = int((h + 6).astype("datetime64[D]").astype(np.int64)) - 1
            half = 1 if h.astype(object).month == 1 else 2
            rows.append((f"Organic - SEO & blog - H{half} {h.astype(object).year}", CH["organic"], hs, he, 1.0, 0, 0))
            h = h + 6
        # content: a new asset every ~6 weeks, promoted for ~100 days
        titles = ["eBook: The revenue alignment playbook", "Report: State of B2B pipeline", "Guide: Building an SLA between sales and marketing",
                  "Checklist: Lead scoring that sales trusts", "eBook: Speed to lead", "Report: Funnel benchmarks",
                  "Template: Pipeline review", "Guide: Attribution without the headache"]
        d, k = first - 30, 0
        while d <= last:
            rows.append((f"Content - {titles[k % len(titles)]} ({label(d)})", CH["content"], d, d + 100,
                         float(_ln(rng, 1.0, 0.35, 1)[0]), 0, 0))
            d, k = d + 45, k + 1
        # webinars: monthly; registration opens three weeks before, on-demand for six weeks after
        topics = ["Fix your lead hand-off", "Pipeline coverage explained", "From MQL to revenue",
                  "Running a weekly funnel review", "What good SLAs look like", "Forecasting for marketers",
                  "Account-based plays that work", "Scoring leads with sales"]
        w, k = first - 10, 0
        while w - 21 <= last:
            rows.append((f"Webinar - {topics[k % len(topics)]} - {iso(w)}", CH["webinar"], w - 21, w + 42,
                         float(_ln(rng, 1.0, 0.3, 1)[0]), 0, 0))
            w, k = w + 28, k + 1
        # events: a trade show or roadshow every two months or so
        events = ["RevOps Summit", "Demand Gen Live", "B2B Marketing Expo", "Sales Leadership Forum",
                  "Customer Growth Connect", "Data & AI World", "Roadshow Chicago", "Roadshow London",
                  "SaaS Growth Days", "Pipeline Conference"]
        e, k = first + int(rng.integers(5, 30)), 0
        while e - 21 <= last:
            length = int(rng.integers(2, 4))
            y = np.datetime64(int(e), "D").astype(object).year
            rows.append((f"Event - {events[k % len(events)]} {y}", CH["event"], e - 21, e + length + 10,
                         float(_ln(rng, 1.0, 0.5, 1)[0]), e, length))
            e, k = e + int(rng.integers(50, 75)), k + 1
        # e-mail: the monthly newsletter
        mth = month_start(first - 1)
        while mth <= last:
            nxt = month_start(mth + 32)
            rows.append((f"Email - Newsletter - {label(mth)}", CH["email"], mth, nxt - 1, 1.0, 0, 0))
            mth = nxt

        rows = [r for r in rows if r[2] <= last]
        self.cmp_name = [r[0] for r in rows]
        self.cmp_channel = np.array([r[1] for r in rows])
        self.cmp_start = np.array([r[2] for r in rows], dtype=np.int64)
        self.cmp_end = np.array([r[3] for r in rows], dtype=np.int64)
        self.cmp_weight = np.array([r[4] for r in rows])
        self.cmp_event_start = np.array([r[5] for r in rows], dtype=np.int64)
        self.cmp_event_len = np.array([r[6] for r in rows], dtype=np.int64)
        # each marketer looks after a couple of channels
        mk = self.marketers
        self.cmp_owner = mk[(self.cmp_channel + rng.integers(0, 2, len(rows)) * N_MARKETING) % len(mk)]
        self.channel_marketer = mk[np.arange(N_MARKETING) % len(mk)]

    # ------------------------------------------------------------------ when leads arrive, from where
    def _day_weights(self, days: np.ndarray) -> np.ndarray:
        dd = days.astype("datetime64[D]")
        month = dd.astype("datetime64[M]").astype(int) % 12 + 1
        dom = (dd - dd.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
        dow = (days + EPOCH_DOW_OFFSET) % 7
        frac = (days - self.clock.first_day) / PERIOD_DAYS
        season = np.array([0, 1.25, 1.05, 1.10, 1.0, 1.0, 0.88, 0.72, 0.70, 1.0, 1.15, 1.20, 0.95])[month]
        week = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.22, 0.18])[dow]
        w = (1 + 0.6 * frac) * season * week
        w = np.where((month == 12) & (dom >= 24) | (month == 1) & (dom == 1), w * 0.4, w)
        w = np.where((month == 11) & (dow == 3) & (dom >= 22) & (dom <= 28), w * 0.35, w)  # Thanksgiving
        w = np.where((month == 7) & (dom == 4), w * 0.4, w)
        return w

    def _local_times(self, rng, days: np.ndarray) -> np.ndarray:
        """Local timestamps for leads arriving on the given local days (office hours mostly)."""
        n = len(days)
        weekend = (days + EPOCH_DOW_OFFSET) % 7 >= 5
        tod = np.clip(rng.normal(11.25, 2.4, n), 6.5, 21.0)
        anytime = rng.random(n) < 0.2
        tod = np.where(anytime, rng.uniform(0, 24, n), tod)
        tod = np.where(weekend, rng.uniform(7, 23, n), tod)
        return days * DAY + (tod * HOUR).astype(np.int64)

    def _lead_times_and_sources(self):
        rng = self.rngs["leads"]
        ck, n, A = self.clock, self.n, self.A
        days = np.arange(ck.first_day, ck.anchor_day)
        w = self._day_weights(days) * _ln(rng, 1.0, 0.08, len(days))
        self.day_weights = w
        counts = rng.multinomial(n, w / w.sum())
        lday = np.repeat(days, counts)
        created = ck.from_local(self._local_times(rng, lday))
        late = created >= A - MIN
        if late.any():  # the last local evening runs past the anchor moment: pull those earlier
            created[late] = A - MIN - rng.integers(0, 5 * HOUR, int(late.sum()))
        # account (bigger companies produce more leads), then the channel given the tier
        acc = _pick(rng, self.acc_lead_weight, n)
        tier = self.acc_tier[acc]
        frac = (created - ck.start_ts) / (A - ck.start_ts)
        P = CHANNEL_P[tier - 1].copy()
        P[:, CH["paid_social"]] *= 0.7 + 0.6 * frac   # paid social grows...
        P[:, CH["organic"]] *= 1.1 - 0.2 * frac       # ...organic erodes a little
        ch = _pick_rows(rng, P)
        campaign = np.full(n, -1)
        # event leads arrive around the events (badge scans on the show days)
        ev = np.flatnonzero(ch == CH["event"])
        ecmp = np.flatnonzero(self.cmp_channel == CH["event"])
        if len(ev) and len(ecmp):
            past = self.cmp_event_start[ecmp] < ck.anchor_day
            cw = self.cmp_weight[ecmp] * np.where(past, 1.0, 0.15)
            pick = ecmp[_pick(rng, cw, len(ev))]
            on_show = (rng.random(len(ev)) < 0.75) & (self.cmp_event_start[pick] < ck.anchor_day)
            show_day = self.cmp_event_start[pick] + (rng.random(len(ev)) * self.cmp_event_len[pick]).astype(np.int64)
            show_day = np.minimum(show_day, ck.anchor_day - 1)
            lo = self.cmp_start[pick]
            hi = np.minimum(self.cmp_end[pick], ck.anchor_day - 1)
            any_day = lo + (rng.random(len(ev)) * (hi - lo + 1)).astype(np.int64)
            eday = np.where(on_show, show_day, any_day)
            et = ck.from_local(eday * DAY + (rng.uniform(8.5, 18, len(ev)) * HOUR).astype(np.int64))
            bad = (et >= A - MIN) | (et < ck.start_ts)
            if bad.any():  # fall back to a working morning inside the campaign window
                fb_day = np.clip(lo[bad], ck.first_day, ck.anchor_day - 1)
                et[bad] = ck.from_local(fb_day * DAY + 10 * HOUR)
            created[ev] = et
            campaign[ev] = pick
        order = np.argsort(created, kind="stable")
        self.lead_created = created[order]
        self.lead_account = acc[order]
        self.lead_tier = tier[order]
        self.lead_channel = ch[order]
        campaign = campaign[order]
        # other marketing channels: a campaign of the channel that was running that day
        ld = ck.to_local(self.lead_created) // DAY
        for c in range(N_MARKETING):
            if c == CH["event"]:
                continue
            idx = np.flatnonzero(self.lead_channel == c)
            cm = np.flatnonzero(self.cmp_channel == c)
            if not len(idx) or not len(cm):
                continue
            active = (self.cmp_start[cm][None, :] <= ld[idx][:, None]) & (ld[idx][:, None] <= self.cmp_end[cm][None, :])
            W = active * self.cmp_weight[cm][None, :]
            has = W.sum(axis=1) > 0
            pick = np.full(len(idx), -1)
            if has.any():
                pick[has] = cm[_pick_rows(rng, W[has])]
            if c == CH["organic"]:
                pick[rng.random(len(idx)) < 0.4] = -1
            campaign[idx] = pick
        self.lead_campaign = campaign  # 0-based campaign index or -1
        marketing = self.lead_channel < N_MARKETING
        self.lead_marketer = np.where(
            campaign >= 0, self.cmp_owner[np.maximum(campaign, 0)],
            np.where(marketing, self.channel_marketer[np.minimum(self.lead_channel, N_MARKETING - 1)], 0))
        # account created_at: existing CRM records, or created with their first lead
        first_lead = np.full(self.n_acc, np.iinfo(np.int64).max)
        np.minimum.at(first_lead, self.lead_account, self.lead_created)
        new_acc = ~self.acc_preexisting & (first_lead < np.iinfo(np.int64).max)
        self.acc_created = np.where(new_acc, first_lead - rng.integers(5, 600, self.n_acc), self.acc_created)
        self.acc_created = np.minimum(self.acc_created, np.where(first_lead < np.iinfo(np.int64).max, first_lead - 5, self.acc_created))

    # ------------------------------------------------------------------ who the leads are
    def _people(self):
        rng = self.rngs["people"]
        n = self.n
        self.lead_first = rng.integers(0, len(FIRST_NAMES), n)
        self.lead_last = rng.integers(0, len(LAST_NAMES), n)
        self.lead_function = _pick(rng, FUNCTION_P, n)
        self.lead_seniority = _pick_rows(rng, SENIORITY_P[self.lead_function])
        self.lead_email_style = _pick(rng, [0.7, 0.2, 0.1], n)
        q = (CH_QUALITY[self.lead_channel] + TIER_QUALITY[self.lead_tier - 1]
             + SENIORITY_QUALITY[self.lead_seniority] + FUNCTION_QUALITY[self.lead_function]
             + rng.normal(0, 0.8, n))
        self.lead_score = np.clip(np.round(52 + 18 * q + rng.normal(0, 6, n)), 0, 100).astype(np.int16)
        self.lead_priority = np.where((self.lead_tier == 1) | (self.lead_score >= 80), 0,
                                      np.where((self.lead_tier == 3) & (self.lead_score < 40), 2, 1))

    # ------------------------------------------------------------------ the funnel
    def _route(self, rng, L, h):
        """Owner of a new hand-off: tier 1 → the account's AE; otherwise an SDR on duty."""
        tier = self.lead_tier[L]
        sdr = self.sdrs[rng.integers(0, len(self.sdrs), len(L))]
        off_duty = ((sdr == self.hired_sdr) & (h < self.hire_ts)) | ((sdr == self.departed_sdr) & (h >= self.leave_ts))
        sdr = np.where(off_duty, self.core_sdrs[rng.integers(0, len(self.core_sdrs), len(L))], sdr)
        return np.where(tier == 1, self.acc_owner[self.lead_account[L]], sdr)

    def _other_rep(self, rng, owner):
        """A colleague from the owner's team (reassignment target)."""
        is_ae = np.isin(owner, self.aes)
        pool_ae = self.aes[rng.integers(0, len(self.aes), len(owner))]
        pool_sdr = self.core_sdrs[rng.integers(0, len(self.core_sdrs), len(owner))]
        new = np.where(is_ae, pool_ae, pool_sdr)
        same = new == owner
        alt_ae = self.aes[(np.searchsorted(self.aes, owner) + 1) % len(self.aes)]
        alt_sdr = self.core_sdrs[(np.searchsorted(self.core_sdrs, np.where(is_ae, self.core_sdrs[0], owner)) + 1) % len(self.core_sdrs)]
        return np.where(same, np.where(is_ae, alt_ae, alt_sdr), new)

    def _funnel(self):
        rng = self.rngs["funnel"]
        n, A = self.n, self.A
        ch, score, tier = self.lead_channel, self.lead_score, self.lead_tier
        p_mql = _sigmoid(MQL_ALPHA + 0.09 * (score - 55) + CH_MQL_BIAS[ch] + 0.2 * (tier == 1))
        fast = rng.random(n) < np.where(np.isin(ch, [CH["webinar"], CH["content"], CH["event"],
                                                     CH["paid_search"], CH["paid_social"], CH["referral"]]), 0.45, 0.2)
        delay = np.where(fast, _ln(rng, 3 * MIN, 0.8, n), _ln(rng, 4 * DAY, 1.1, n))
        mql = self.lead_created + np.clip(delay, 60, 150 * DAY).astype(np.int64)
        # later MQLs come from the lead's own activity, mostly in working hours
        ck = self.clock
        later = ~fast
        mql_day = ck.to_local(mql[later]) // DAY
        later_t = ck.from_local(self._local_times(rng, mql_day))
        later_t = np.where(later_t > self.lead_created[later] + 60, later_t, mql[later])
        mql[later] = later_t
        is_mql = (rng.random(n) < p_mql) & (mql < A)
        self.lead_is_mql = is_mql
        # Scores agree with the rule in force (MQL_SCORE): a lead at 40+ that never became an MQL, or
        # an MQL below 40, made the criteria replay's "version in force" baseline twice the real
        # MQL count, and hand-off cards said an MQL failed the rule it qualified under. Own stream,
        # so every other draw stays as it was.
        rs = self.rngs["scores"]
        short = ~is_mql & (self.lead_score >= MQL_SCORE)
        self.lead_score[short] = rs.integers(MQL_SCORE - 25, MQL_SCORE, int(short.sum()))
        scored = is_mql & (self.lead_score < MQL_SCORE)
        self.lead_score[scored] = rs.integers(MQL_SCORE, MQL_SCORE + 8, int(scored.sum()))
        self.lead_mql = np.where(is_mql, mql, 0)

        self.events = []      # dicts of arrays: lead, type, t, owner, actor, reason, comment, seq
        self.acts = []        # dicts of arrays: lead, type, t, rep, auto, subject
        self.handoffs = []    # per cycle results

        L1 = np.flatnonzero(is_mql)
        self._add_events(L1, ET["mql"], mql[L1], seq=0)
        c1 = self._cycle(self.rngs["cycle1"], L1, mql[L1], seq0=1)
        self.handoffs.append(c1)
        # recycled leads may come back months later as MQLs again, and get a second hand-off
        rr = self.rngs["cycle2"]
        rec = np.flatnonzero(c1["recycled"])
        back = rec[rr.random(len(rec)) < 0.30]
        m2 = c1["rc"][back] + np.clip(_ln(rr, 60 * DAY, 0.6, len(back)), 20 * DAY, 200 * DAY).astype(np.int64)
        keep = m2 < A
        back, m2 = back[keep], m2[keep]
        L2 = c1["L"][back]
        self._add_events(L2, ET["mql"], m2, seq=10)
        trig = _pick(rr, [0.4, 0.2, 0.4], len(L2))  # form fill, webinar, content download
        ttype = np.array([AT["form_fill"], AT["webinar"], AT["content_download"]])[trig]
        self._add_acts(L2, ttype, m2 - rr.integers(60, 1800, len(L2)), 0, False, self._subjects(rr, ttype))
        self.lead_remql_at = np.zeros(n, dtype=np.int64)
        self.lead_remql_at[L2] = m2
        c2 = self._cycle(rr, L2, m2, seq0=11)
        self.handoffs.append(c2)
        self._marketing_activity()

    def _add_events(self, L, etype, t, seq, owner=None, actor=None, reason=None, comment=None):
        k = len(L)
        z = np.zeros(k, dtype=np.int64)
        self.events.append(dict(
            lead=np.asarray(L, dtype=np.int64), type=np.full(k, etype, dtype=np.int8), t=np.asarray(t, dtype=np.int64),
            owner=z if owner is None else np.asarray(owner), actor=z if actor is None else np.asarray(actor),
            reason=np.full(k, -1) if reason is None else np.asarray(reason),
            comment=np.full(k, -1) if comment is None else np.asarray(comment),
            seq=np.full(k, seq, dtype=np.int16)))

    def _add_acts(self, L, atype, t, rep, auto, subject):
        k = len(L)
        self.acts.append(dict(
            lead=np.asarray(L, dtype=np.int64), type=np.broadcast_to(np.asarray(atype, dtype=np.int8), (k,)),
            t=np.asarray(t, dtype=np.int64), rep=np.broadcast_to(np.asarray(rep, dtype=np.int64), (k,)),
            auto=np.broadcast_to(np.asarray(auto, dtype=bool), (k,)),
            subject=np.broadcast_to(np.asarray(subject, dtype=np.int16), (k,))))

    @staticmethod
    def _subjects(rng, atype):
        first = np.zeros(len(SUBJECTS), dtype=np.int64)
        count = np.ones(len(SUBJECTS), dtype=np.int64)
        for a, (f, c) in SUBJECT_RANGE.items():
            first[a], count[a] = f, c
        atype = np.asarray(atype, dtype=np.int64)
        return first[atype] + (rng.random(len(atype)) * count[atype]).astype(np.int64)

    def _cycle(self, rng, L, m, seq0):
        """MQL → hand-off → (reassignment) → decision → (recycle), with the touches around it."""
        A, ck = self.A, self.clock
        n = len(L)
        h = m + np.maximum(30, _ln(rng, 5 * MIN, 1.0, n)).astype(np.int64)
        handed = (rng.random(n) < 0.985) & (h < A)
        L, h = L[handed], h[handed]
        n = len(L)
        ch, tier, score = self.lead_channel[L], self.lead_tier[L], self.lead_score[L]
        owner = self._route(rng, L, h)

        # --- decision outcome
        pa = np.clip(ACCEPT_BASE[ch] + TIER_ACCEPT[tier - 1] + (score - 60) / 150.0 + self.rep_accept_bias[owner], 0.05, 0.97)
        accepted = rng.random(n) < pa
        never = rng.random(n) < 0.03          # hand-offs nobody ever decides on (slipping through)
        reason = _pick_rows(rng, REJECT_P[ch] * TIER_REJECT_MULT[tier - 1])
        reason = np.where(accepted, -1, reason)
        r_ = np.maximum(reason, 0)
        untouched_p = np.where(never, 0.35, np.where(accepted, 0.03, UNTOUCHED_BY_REASON[r_]))
        touched = rng.random(n) >= untouched_p

        # --- first touch: rep-specific speed; out-of-hours hand-offs mostly wait for the morning
        med = self.rep_touch_median_min[owner] * MIN
        lh = ck.to_local(h)
        t_now = h + np.maximum(60, _ln(rng, med, 0.9, n)).astype(np.int64)
        morning = ck.from_local(ck.next_business_morning(lh))
        slow = np.clip(med / (120 * MIN), 0.3, 4.0)
        t_morn = morning + _ln(rng, 35 * MIN * slow, 0.7, n).astype(np.int64)
        use_morn = ~ck.in_business_hours(lh) & (rng.random(n) < 0.8)
        t1 = np.maximum(np.where(use_morn, t_morn, t_now), h + 60)

        # --- decision time
        sp = self.rep_decision_speed[owner]
        d = np.where(touched, t1 + _ln(rng, 2 * HOUR * sp, 1.1, n), h + _ln(rng, 10 * HOUR * sp, 1.0, n))
        rej_t = np.select(
            [r_ == 4, np.isin(r_, [1, 5, 6])],
            [t1 + rng.uniform(3, 10, n) * DAY, t1 + _ln(rng, DAY * sp, 1.0, n)],
            t1 + _ln(rng, 3 * HOUR * sp, 1.0, n))
        d = np.where(~accepted & touched, rej_t, np.where(~accepted, h + _ln(rng, 5 * HOUR * sp, 1.1, n), d))
        d = np.maximum(d.astype(np.int64), np.where(touched, t1, h) + 120)
        d = np.maximum(d, h + 300)
        INF = np.iinfo(np.int64).max // 4
        d = np.where(never, INF, d)
        decided = d < A
        touched &= t1 < A
        acc_dec = decided & accepted
        rej_dec = decided & ~accepted

        # --- reassignment: now and then, and everything the departed SDR still held
        end = np.minimum(np.where(decided, d, A), A)
        r = h + (rng.uniform(0.15, 0.85, n) * (end - h)).astype(np.int64)
        generic = (rng.random(n) < 0.025) & ((end - h) > 20 * MIN)
        # when the SDR left, open hand-offs and recently accepted leads went to colleagues
        forced = ((owner == self.departed_sdr) & (h < self.leave_ts) & (self.leave_ts < A)
                  & ~(rej_dec & (d <= self.leave_ts)) & ~(acc_dec & (d < self.leave_ts - 60 * DAY)))
        rf = self.leave_ts + rng.integers(60, 4 * HOUR, n)
        after_leave = decided & (d > self.leave_ts)
        rf = np.where(after_leave, np.minimum(rf, self.leave_ts + (d - self.leave_ts) // 2), rf)
        forced &= (rf < A) & ~(after_leave & (d - self.leave_ts < 4))
        reassigned = generic | forced
        r = np.where(forced, rf, r)
        new_owner = self._other_rep(rng, owner)
        final_owner = np.where(reassigned, new_owner, owner)
        decider = np.where(reassigned & (r < d), new_owner, owner)
        r_comment = np.where(forced, REASSIGN_COMMENT_LEFT, REASSIGN_COMMENT_FIRST + rng.integers(0, 3, n))
        r_actor = np.where(np.isin(owner, self.aes), self.vp_sales, self.sdr_manager)

        # --- recycle (back to nurture) for some rejections
        rc = d + (rng.uniform(1, 10, n) * DAY).astype(np.int64)
        recycled = rej_dec & np.isin(reason, [1, 4, 5]) & (rng.random(n) < 0.55) & (rc < A)

        # --- comments on rejections
        first, cnt, share = (np.array(x) for x in zip(*REASON_COMMENTS))
        with_comment = rej_dec & (rng.random(n) < share[r_])
        comment = np.where(with_comment, first[r_] + (rng.random(n) * cnt[r_]).astype(np.int64), -1)

        # --- events
        self._add_events(L, ET["handed_off"], h, seq0, owner=owner)
        ri = np.flatnonzero(reassigned)
        self._add_events(L[ri], ET["reassigned"], r[ri], seq0 + 1, owner=new_owner[ri], actor=r_actor[ri],
                         comment=r_comment[ri])
        # order of a reassignment after an acceptance is fixed by time; seq only breaks exact ties
        di = np.flatnonzero(decided)
        self._add_events(L[di], np.where(accepted[di], ET["accepted"], ET["rejected"]), d[di], seq0 + 2,
                         actor=decider[di], reason=reason[di], comment=comment[di])
        ci = np.flatnonzero(recycled)
        self._add_events(L[ci], ET["recycled"], rc[ci], seq0 + 3, actor=decider[ci])

        # --- rep touches (first + follow-ups), by whoever owned the hand-off at the time
        ti = np.flatnonzero(touched)
        ftype = _pick(rng, [0.45, 0.42, 0.02, 0.11], len(ti))
        t_first = t1[ti]
        self._add_acts(L[ti], ftype, t_first, np.where(reassigned[ti] & (t_first >= r[ti]), new_owner[ti], owner[ti]),
                       False, self._subjects(rng, ftype))
        k = np.where(acc_dec[ti], 1 + rng.binomial(3, 0.35, len(ti)),
                     np.where(rej_dec[ti], np.where(reason[ti] == 4, 2 + rng.binomial(2, 0.5, len(ti)),
                                                    rng.binomial(2, 0.25, len(ti))),
                              rng.binomial(3, 0.3, len(ti))))
        grp, pos = _expand(k)
        gi = ti[grp]
        gaps = _ln(rng, 1.5 * DAY, 0.8, len(gi))
        cs = np.cumsum(gaps)
        before = np.concatenate([[0.0], cs])[np.cumsum(k) - k]
        follow = t1[gi] + (cs - np.repeat(before, k)).astype(np.int64) + 60
        # rejections: the attempts happen between the first touch and the decision
        span = np.maximum(d[gi] - t1[gi] - 120, 0)
        follow = np.where(rej_dec[gi], t1[gi] + 60 + (rng.random(len(gi)) * span).astype(np.int64), follow)
        ok = follow < A
        gi, follow = gi[ok], follow[ok]
        ftype2 = _pick(rng, [0.34, 0.38, 0.18, 0.10], len(gi))
        self._add_acts(L[gi], ftype2, follow, np.where(reassigned[gi] & (follow >= r[gi]), new_owner[gi], owner[gi]),
                       False, self._subjects(rng, ftype2))
        # automated sequence e-mails right after the hand-off (not touches)
        a1 = (rng.random(n) < 0.85)
        t_a1 = h + rng.integers(60, 300, n)
        a1 &= t_a1 < A
        self._add_acts(L[a1], AT["email"], t_a1[a1], 0, True, 22)
        a2 = rng.random(n) < 0.45
        t_a2 = h + (rng.uniform(1.5, 3.0, n) * DAY).astype(np.int64)
        a2 &= (t_a2 < A) & (~rej_dec | (t_a2 < d))
        self._add_acts(L[a2], AT["email"], t_a2[a2], 0, True, 23)
        return dict(L=L, h=h, owner=final_owner, first_owner=owner, decided=decided, accepted=accepted, d=d,
                    decider=decider, reason=reason, comment=comment, recycled=recycled, rc=rc,
                    reassigned=reassigned, r=r, touched=touched, t1=t1)

    def _marketing_activity(self):
        rng = self.rngs["activity"]
        A, n = self.A, self.n
        ch = self.lead_channel
        created = self.lead_created
        # the touch that created the lead (marketing channels)
        mk = np.flatnonzero(ch < N_MARKETING)
        first_type = np.array([AT["form_fill"], AT["form_fill"], AT["web_visit"], AT["content_download"],
                               AT["webinar"], AT["form_fill"], AT["email_click"]])[ch[mk]]
        organic_form = (ch[mk] == CH["organic"]) & (rng.random(len(mk)) < 0.5)
        first_type = np.where(organic_form, AT["form_fill"], first_type)
        subj = self._subjects(rng, first_type)
        subj = np.where(ch[mk] == CH["event"], 15, subj)  # booth scan
        self._add_acts(mk, first_type, created[mk], 0, False, subj)
        # engagement on the way to MQL
        is_mql = self.lead_is_mql
        k = np.where(is_mql, rng.poisson(0.5, n), rng.poisson(0.2, n))
        grp, _ = _expand(k)
        lo = created[grp]
        hi = np.where(is_mql[grp], self.lead_mql[grp], np.minimum(created[grp] + 60 * DAY, A))
        t = lo + 1 + (rng.random(len(grp)) * np.maximum(hi - lo - 2, 0)).astype(np.int64)
        typ = _pick(rng, [0.15, 0.05, 0.2, 0.25, 0.35], len(grp)) + AT["form_fill"]
        ok = t < A
        self._add_acts(grp[ok], typ[ok], t[ok], 0, False, self._subjects(rng, typ[ok]))
        # automated nurture for leads that did not qualify
        k = np.where(~is_mql, rng.poisson(0.4, n), 0)
        grp, pos = _expand(k)
        tn = created[grp] + ((pos + 1) * rng.uniform(10, 30, len(grp)) * DAY).astype(np.int64)
        ok = tn < A
        self._add_acts(grp[ok], AT["email"], tn[ok], 0, True, 24 + (rng.random(int(ok.sum())) < 0.5))
        # nurture after a recycle (stops at a re-MQL)
        c1 = self.handoffs[0]
        kk = np.where(c1["recycled"], 1 + rng.binomial(2, 0.4, len(c1["L"])), 0)
        grp, pos = _expand(kk)
        tn = c1["rc"][grp] + ((pos + 1) * rng.uniform(14, 35, len(grp)) * DAY).astype(np.int64)
        lead = c1["L"][grp]
        remql = self.lead_remql_at[lead]
        ok = (tn < A) & ((remql == 0) | (tn < remql - HOUR))
        self._add_acts(lead[ok], AT["email"], tn[ok], 0, True, 24 + (rng.random(int(ok.sum())) < 0.5))

    # ------------------------------------------------------------------ opportunities
    def _opportunities(self):
        rng = self.rngs["opps"]
        A, ck = self.A, self.clock
        # from accepted hand-offs
        parts = [(c["L"][c["decided"] & c["accepted"]], c["d"][c["decided"] & c["accepted"]]) for c in self.handoffs]
        L = np.concatenate([p[0] for p in parts])
        dacc = np.concatenate([p[1] for p in parts])
        tier = self.lead_tier[L]
        p = np.clip(TIER_OPP[tier - 1] + CH_OPP_ADJ[self.lead_channel[L]] + (self.lead_score[L].astype(float) - 60) / 200, 0.05, 0.9)
        created = dacc + np.maximum(HOUR, _ln(rng, 9 * DAY, 0.8, len(L))).astype(np.int64)
        has = (rng.random(len(L)) < p) & (created < A)
        lead = L[has]
        o_created = created[has]
        o_acc = self.lead_account[lead]
        o_src = self.lead_channel[lead]
        # sales-sourced (no lead)
        rs = self.rngs["sales_opps"]
        m = int(round(0.15 * len(lead))) + (1 if len(lead) else 0)
        tw = np.array([5.0, 2.0, 0.5])[self.acc_tier - 1] * BAND_LEAD_WEIGHT[self.acc_band]
        s_acc = _pick(rs, tw, m)
        days = np.arange(ck.first_day, ck.anchor_day)
        s_day = days[_pick(rs, self.day_weights, m)]
        s_day = np.where((s_day + EPOCH_DOW_OFFSET) % 7 >= 5, s_day - 2, s_day)
        s_created = ck.from_local(s_day * DAY + (rs.uniform(8.5, 17.5, m) * HOUR).astype(np.int64))
        s_created = np.maximum(s_created, self.acc_created[s_acc] + DAY)
        ok = s_created < A - HOUR
        s_acc, s_created = s_acc[ok], s_created[ok]

        acc = np.concatenate([o_acc, s_acc])
        lead_all = np.concatenate([lead, np.full(len(s_acc), -1)])
        created = np.concatenate([o_created, s_created])
        src = np.concatenate([o_src, np.full(len(s_acc), len(CHANNELS))])
        order = np.argsort(created, kind="stable")
        acc, lead_all, created, src = acc[order], lead_all[order], created[order], src[order]
        k = len(acc)
        tier = self.acc_tier[acc]
        owner = self.acc_owner[acc]
        amount = np.round(_ln(rng, TIER_AMOUNT[tier - 1], 0.55, k) / 100) * 100
        amount = np.maximum(amount, 500.0)
        cycle = np.clip(_ln(rng, TIER_CYCLE_DAYS[tier - 1], 0.35, k), 10, 300) * DAY
        won = rng.random(k) < np.clip(TIER_WIN[tier - 1] + CH_WIN_ADJ[src], 0.05, 0.8)
        lost_at = _pick(rng, [0.30, 0.30, 0.25, 0.15], k)  # last open stage before a loss
        f1 = rng.uniform(0.10, 0.25, k)
        f2 = f1 + rng.uniform(0.15, 0.30, k)
        f3 = f2 + rng.uniform(0.15, 0.30, k)
        fr = np.stack([np.zeros(k), f1, f2, f3], axis=1)  # stage entry, share of the cycle
        close_frac = np.where(won, 1.0, np.minimum(fr[np.arange(k), lost_at] + rng.uniform(0.08, 0.25, k), 1.0))
        close_t = created + (close_frac * cycle).astype(np.int64)
        entry_t = created[:, None] + (fr * cycle[:, None]).astype(np.int64)
        entered = (np.arange(4)[None, :] <= np.where(won, 3, lost_at)[:, None]) & (entry_t < A)
        closed = close_t < A
        last_open = entered.sum(axis=1) - 1
        stage = np.where(closed, np.where(won, 4, 5), last_open)
        estimate = amount * np.clip(_ln(rng, 1.0, 0.25, k), 0.5, 2.0)
        estimate = np.maximum(np.round(estimate / 100) * 100, 500.0)
        # amounts per stage row: the first estimate until proposal, the final figure from then on
        stage_amount = np.where(np.arange(4)[None, :] >= 2, amount[:, None], estimate[:, None])
        cur_amount = np.where(closed, np.where(won, amount, stage_amount[np.arange(k), np.where(won, 3, lost_at)]),
                              stage_amount[np.arange(k), np.maximum(last_open, 0)])
        planned = created + (cycle * np.clip(_ln(rng, 0.9, 0.3, k), 0.4, 1.6)).astype(np.int64)
        exp_close = np.where(closed, ck.to_local(close_t) // DAY, ck.to_local(planned) // DAY)
        lost_reason = np.where(closed & ~won, _pick(rng, [0.25, 0.25, 0.25, 0.15, 0.10], k), -1)
        prod = (rng.random(k) * 3).astype(np.int64)
        products = np.array([p for row in PRODUCTS for p in row])
        names = np.char.add(np.char.add(self.acc_name[acc].astype(str), " - "), products[(tier - 1) * 3 + prod])

        self.opp = dict(acc=acc, lead=lead_all, owner=owner, name=names, amount=cur_amount, created=created,
                        exp_close=exp_close, stage=stage, closed=closed, close_t=close_t, lost_reason=lost_reason)
        # stage history: one row per stage entered, then the closing row
        oi, si = np.nonzero(entered)
        sc_opp = [oi, np.flatnonzero(closed)]
        sc_stage = [si, np.where(won, 4, 5)[closed]]
        sc_amount = [stage_amount[oi, si], np.where(won, amount, cur_amount)[closed]]
        sc_t = [entry_t[oi, si], close_t[closed]]
        self.osc = dict(opp=np.concatenate(sc_opp), stage=np.concatenate(sc_stage),
                        amount=np.concatenate(sc_amount), t=np.concatenate(sc_t))

    # ------------------------------------------------------------------ frames
    def _frames(self) -> dict[str, pd.DataFrame]:
        F: dict[str, pd.DataFrame] = {}
        F["team"] = pd.DataFrame({
            "id": np.array([1, 2, 3], dtype=np.int16),
            "code": ["marketing", "sdr", "sales"],
            "name": ["Marketing", "Sales development", "Sales"],
            "function": ["marketing", "sales_development", "sales"],
        })
        F["rep"] = pd.DataFrame({
            "id": self.rep_id.astype(np.int32), "full_name": self.rep_name, "email": self.rep_email,
            "team_id": self.rep_team, "title": self.rep_title, "active": self.rep_active,
            "created_at": _ts(self.rep_created),
        })
        F["account"] = pd.DataFrame({
            "id": np.arange(1, self.n_acc + 1, dtype=np.int32),
            "name": pd.Series(self.acc_name, dtype="str"), "domain": pd.Series(self.acc_domain, dtype="str"),
            "industry": _cat(self.acc_industry, INDUSTRIES),
            "country": _cat(self.acc_country, [c[0] for c in COUNTRIES]),
            "region": pd.Categorical(self.acc_region, categories=["NA", "LATAM", "EMEA", "APAC"]),
            "employee_band": _cat(self.acc_band, BANDS),
            "tier": self.acc_tier.astype(np.int16),
            "owner_id": self.acc_owner.astype(np.int32),
            "created_at": _ts(self.acc_created),
        })
        F["campaign"] = self._campaign_frame()
        F["lead"] = self._lead_frame()
        ev, ho = self._event_frames()
        F["handoff"], F["lead_event"] = ho, ev
        F["activity"] = self._activity_frame()
        F["opportunity"], F["opportunity_stage_change"] = self._opp_frames()
        return F

    def _campaign_frame(self) -> pd.DataFrame:
        rng = self.rngs["campaigns"]
        k = len(self.cmp_name)
        leads = np.bincount(self.lead_campaign[self.lead_campaign >= 0], minlength=k)
        ch = self.cmp_channel
        spend = CAMPAIGN_BASE_SPEND[ch] + leads * CPL[ch] * _ln(rng, 1.0, 0.25, k)
        # a campaign still running at the anchor has spent only its share so far
        ran = np.clip((self.clock.anchor_day - self.cmp_start) / np.maximum(self.cmp_end - self.cmp_start + 1, 1), 0, 1)
        spend = np.round(np.where(self.cmp_end >= self.clock.anchor_day, spend * np.maximum(ran, 0.05), spend), 2)
        return pd.DataFrame({
            "id": np.arange(1, k + 1, dtype=np.int32), "name": self.cmp_name,
            "channel_code": _cat(ch, CHANNELS), "start_date": _date(self.cmp_start), "end_date": _date(self.cmp_end),
            "spend": spend, "owner_id": self.cmp_owner.astype(np.int32),
        })

    def _lead_frame(self) -> pd.DataFrame:
        n = self.n
        def take(values, codes):
            return pd.Series(values, dtype="str").take(codes).reset_index(drop=True)

        f_fold = take([_fold(x) for x in FIRST_NAMES], self.lead_first)
        l_fold = take([_fold(x) for x in LAST_NAMES], self.lead_last)
        domain = take(self.acc_domain, self.lead_account)
        style = pd.Series(self.lead_email_style)
        local = (f_fold + "." + l_fold).where(style == 0, (f_fold.str.slice(0, 1) + l_fold).where(style == 1, f_fold))
        email = local + "@" + domain
        seniority_function = self.lead_seniority * len(FUNCTIONS) + self.lead_function
        titles = [t for row in JOB_TITLES for t in row]
        camp = self.lead_campaign
        return pd.DataFrame({
            "id": np.arange(1, n + 1, dtype=np.int64),
            "account_id": (self.lead_account + 1).astype(np.int32),
            "first_name": _cat(self.lead_first, FIRST_NAMES),
            "last_name": _cat(self.lead_last, LAST_NAMES),
            "email": email,
            "job_title": _cat(seniority_function, titles),
            "job_function": _cat(self.lead_function, FUNCTIONS),
            "seniority": _cat(self.lead_seniority, SENIORITIES),
            "source": _cat(self.lead_channel, CHANNELS),
            "campaign_id": _nint(camp + 1, camp >= 0),
            "marketer_id": _nint(self.lead_marketer, self.lead_marketer > 0),
            "score": self.lead_score.astype(np.int16),
            "priority": _cat(self.lead_priority, ["high", "normal", "low"]),
            "created_at": _ts(self.lead_created),
            "mql_at": _ts(self.lead_mql, self.lead_is_mql),
        })

    def _event_frames(self):
        E = {k: np.concatenate([e[k] for e in self.events]) for k in self.events[0]}
        order = np.lexsort((E["seq"], E["lead"], E["t"]))
        E = {k: v[order] for k, v in E.items()}
        m = len(E["t"])
        ev_id = np.arange(1, m + 1, dtype=np.int64)
        # hand-off ids in the order the trigger would create them: handed_off events by (time, id)
        is_h = E["type"] == ET["handed_off"]
        hpos = np.flatnonzero(is_h)
        ho_id = np.arange(1, len(hpos) + 1, dtype=np.int64)
        # every event from a hand-off on belongs to the lead's latest hand-off (events are time-ordered)
        lead_order = np.lexsort((np.arange(m), E["lead"]))  # by lead, then by time order
        cur = np.zeros(m, dtype=np.int64)
        cur[hpos] = ho_id
        cur_l = cur[lead_order]
        # forward-fill the latest hand-off id within each lead
        idx = np.where(cur_l > 0, np.arange(m), -1)
        new_lead = np.r_[True, E["lead"][lead_order][1:] != E["lead"][lead_order][:-1]]
        seg_start = np.maximum.accumulate(np.where(new_lead, np.arange(m), 0))
        idx = np.maximum.accumulate(idx)
        valid = idx >= seg_start
        latest = np.where(valid, cur_l[np.maximum(idx, 0)], 0)
        ev_handoff = np.zeros(m, dtype=np.int64)
        ev_handoff[lead_order] = latest
        ev_handoff[E["type"] == ET["mql"]] = 0

        reason = E["reason"].astype(np.int64)
        comment = E["comment"].astype(np.int64)
        ev = pd.DataFrame({
            "id": ev_id,
            "lead_id": (E["lead"] + 1).astype(np.int64),
            "event_type": _cat(E["type"], EVENT_TYPES),
            "occurred_at": _ts(E["t"]),
            "owner_id": _nint(E["owner"], E["owner"] > 0),
            "actor_rep_id": _nint(E["actor"], E["actor"] > 0),
            "rejection_reason": _cat(reason, REASONS),
            "comment": _cat(comment, COMMENTS),
            "handoff_id": _nint(ev_handoff, ev_handoff > 0, "Int64"),
            "recorded_at": _ts(E["t"]),
        })

        # the projection: one row per hand-off, as the trigger leaves it
        H = {k: np.concatenate([c[k] for c in self.handoffs]) for k in self.handoffs[0]}
        horder = np.lexsort((H["L"], H["h"]))
        H = {k: v[horder] for k, v in H.items()}
        # sanity: the same order as the handed_off events
        assert np.array_equal(H["L"], E["lead"][hpos]) and np.array_equal(H["h"], E["t"][hpos])
        dec = H["decided"]
        acc = H["accepted"]
        reason_h = np.where(dec & ~acc, H["reason"], -1)
        comment_h = np.where(dec & ~acc, H["comment"], -1)
        ho = pd.DataFrame({
            "id": ho_id,
            "lead_id": (H["L"] + 1).astype(np.int64),
            "owner_id": H["owner"].astype(np.int32),
            "handed_off_at": _ts(H["h"]),
            "decision": _cat(np.where(dec, np.where(acc, 0, 1), -1), ["accepted", "rejected"]),
            "decided_at": _ts(np.where(dec, H["d"], 0), dec),
            "decided_by_rep_id": _nint(H["decider"], dec),
            "rejection_reason": _cat(reason_h, REASONS),
            "rejection_comment": _cat(comment_h, COMMENTS),
            "recycled_at": _ts(np.where(H["recycled"], H["rc"], 0), H["recycled"]),
            # the earliest rep touch after the hand-off (follow-ups come later; a lead's next
            # hand-off only follows a decision, after which this hand-off's touches stop)
            "first_touch_at": _ts(np.where(H["touched"], H["t1"], 0), H["touched"]),
        })
        return ev, ho

    def _activity_frame(self) -> pd.DataFrame:
        A = {k: np.concatenate([np.asarray(a[k]) for a in self.acts]) for k in self.acts[0]}
        order = np.lexsort((A["lead"], A["t"]))
        A = {k: v[order] for k, v in A.items()}
        m = len(A["t"])
        return pd.DataFrame({
            "id": np.arange(1, m + 1, dtype=np.int64),
            "lead_id": (A["lead"] + 1).astype(np.int64),
            "account_id": (self.lead_account[A["lead"]] + 1).astype(np.int32),
            "rep_id": _nint(A["rep"], A["rep"] > 0),
            "activity_type": _cat(A["type"], ACTIVITY_TYPES),
            "is_automated": A["auto"].astype(bool),
            "occurred_at": _ts(A["t"]),
            "subject": _cat(A["subject"], SUBJECTS),
        })

    def _opp_frames(self):
        o, s = self.opp, self.osc
        k = len(o["acc"])
        opp = pd.DataFrame({
            "id": np.arange(1, k + 1, dtype=np.int64),
            "account_id": (o["acc"] + 1).astype(np.int32),
            "lead_id": _nint(o["lead"] + 1, o["lead"] >= 0, "Int64"),
            "owner_id": o["owner"].astype(np.int32),
            "name": pd.Series(o["name"], dtype="str"),
            "amount": o["amount"].astype(float),
            "created_at": _ts(o["created"]),
            "expected_close_date": _date(o["exp_close"]),
            "stage": _cat(o["stage"], STAGES),
            "closed_at": _ts(np.where(o["closed"], o["close_t"], 0), o["closed"]),
            "lost_reason": _cat(o["lost_reason"], LOST_REASONS),
        })
        order = np.lexsort((s["stage"], s["opp"], s["t"]))
        m = len(order)
        osc = pd.DataFrame({
            "id": np.arange(1, m + 1, dtype=np.int64),
            "opportunity_id": (s["opp"][order] + 1).astype(np.int64),
            "stage": _cat(s["stage"][order], STAGES),
            "amount": s["amount"][order].astype(float),
            "changed_at": _ts(s["t"][order]),
            "changed_by_rep_id": _nint(o["owner"][s["opp"][order]], np.ones(m, dtype=bool)),
        })
        return opp, osc
