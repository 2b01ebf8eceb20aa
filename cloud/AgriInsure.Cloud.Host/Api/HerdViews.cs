using AgriInsure.Audit;
using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Domain;

namespace AgriInsure.Cloud.Host.Api;

// What the herd pages read: a farmer's herds, an animal's life with its ledger anchors, census reports.

/// <summary>A farmer's herds: every livestock policy of the farmer is a herd (its animals); <see cref="Animals"/> counts the
/// farmer's enrolled animals, <see cref="UninsuredAnimals"/> those on none of the policies, <see cref="Plots"/> the
/// farmer's registered plots.</summary>
public sealed record FarmerHerdsView(FarmerView Farmer, int Animals, int UninsuredAnimals, int Plots, IReadOnlyList<HerdView> Herds);

/// <summary>One herd: a policy's animals (<see cref="Animals"/> head), its cover (both days inclusive), whether the cover
/// holds today (UTC) (<see cref="Current"/>), whether the policy is in force (contract signed and anchored), and the day of
/// its latest census visit (null: never visited).</summary>
public sealed record HerdView(string PolicyId, DateOnly Start, DateOnly End, bool Current, bool InForce, int Animals, int CensusVisits, DateOnly? LastCensus);

/// <summary>An animal's life: each event of the registry with the ledger entry it was anchored at and that anchor as checked
/// (<see cref="LifeEventView.Anchor"/>: verified, missing, hash-mismatch, proof-fails, ledger-tampered), in ledger order;
/// the flagged enrolments naming it that no reviewer has decided yet; the ledger's size and root (hex, RFC 9162) the proofs
/// were checked against.</summary>
public sealed record AnimalHistoryView(
    string AnimalId, string FarmerId, Species Species, string? EarTag, bool AllVerified, IReadOnlyList<LifeEventView> Events,
    IReadOnlyList<OpenCaseView> OpenDuplicateCases, long LedgerSize, string LedgerRoot)
{
    public static AnimalHistoryView Of(AnimalLife life) => new(life.AnimalId, life.FarmerId, life.Species, life.EarTag, life.AllVerified,
        [.. life.Events.Select(LifeEventView.Of)], [.. life.OpenDuplicateCases.Select(c => new OpenCaseView(c.CaptureId, c.MatchedAnimalId, c.Score))],
        life.Ledger.Entries, life.Ledger.Root);
}

/// <summary>A flagged enrolment no reviewer has decided yet: the capture flagged, the animal it matched and the fused score.</summary>
public sealed record OpenCaseView(string CaptureId, string MatchedAnimalId, float Score);

/// <summary>One life event: when (the registry's time), its name (enrolment, review, policy, cover, census, claim,
/// claim-decision), what happened (<see cref="Detail"/>: English, from the registry; <see cref="Facts"/>: the same as
/// named values for pages in another language, listed per event on <see cref="LifeEvent"/>, money as
/// <see cref="MoneyView"/>, days as YYYY-MM-DD), the record it anchors, the ledger entry found under its key (null when
/// missing) and the anchor check's status and why (English).</summary>
public sealed record LifeEventView(
    DateTimeOffset At, string Event, string Detail, IReadOnlyDictionary<string, object?> Facts, string Record, long? LedgerEntry, AnchorStatus Anchor, string AnchorDetail)
{
    public static LifeEventView Of(LifeEvent e) => new(e.At, e.Event, e.Detail, e.Facts.ToDictionary(f => f.Key, f => f.Value is Money m ? MoneyView.Of(m) : f.Value),
        e.Anchor.Record, e.Check.Entry?.Index, e.Check.Status, e.Check.Detail);
}

/// <summary>A census to run: one policy (<see cref="PolicyId"/>) or every policy of one farmer (<see cref="FarmerId"/>) in
/// cover on <see cref="AsOf"/> (YYYY-MM-DD; default today, UTC).</summary>
public sealed record NewCensus(string? PolicyId, string? FarmerId, DateOnly? AsOf);

/// <summary>A census report's summary: what was asked, the policies read, how many insured animals have each outcome
/// (seen, not-seen, claimed-dead, seen-after-death-claim, unknown), the visits read with their anchors, and whether every
/// anchor verified.</summary>
public sealed record CensusSummaryView(
    string? PolicyId, string? FarmerId, DateOnly AsOf, IReadOnlyList<string> Policies, int Animals, IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<CensusVisitView> Visits, bool AllVerified)
{
    public static CensusSummaryView Of(CensusReport r) => new(r.PolicyId, r.FarmerId, r.AsOf, r.Policies, r.Animals.Count,
        r.Counts.ToDictionary(c => c.Key.Name(), c => c.Value), [.. r.Visits.Select(CensusVisitView.Of)], r.AllVerified);
}

/// <summary>A census visit a report read: its policy and day, how many insured animals and sightings it held, its ledger
/// entry and the anchor's status.</summary>
public sealed record CensusVisitView(string PolicyId, DateOnly Day, int Animals, int Sightings, long? LedgerEntry, AnchorStatus Anchor, string AnchorDetail)
{
    public static CensusVisitView Of(CheckedVisit v) => new(v.PolicyId, v.Day, v.Animals, v.Sightings, v.Anchor.Entry?.Index, v.Anchor.Status, v.Anchor.Detail);
}

/// <summary>One insured animal in a census report: its outcome and, when a visit decided it, that visit's day and ledger
/// entry with its anchor status, and the evidence: the sighting (photo) that showed it and the fused cosine score (−1 to 1)
/// it matched with.</summary>
public sealed record CensusAnimalView(
    string AnimalId, string PolicyId, CensusOutcome Outcome, DateOnly? VisitDay, string? EvidencePhoto, float? Score, long? LedgerEntry, AnchorStatus? Anchor)
{
    public static CensusAnimalView Of(CensusStanding s) => new(s.AnimalId, s.PolicyId, s.Outcome, s.VisitDay, s.Photo, s.Score, s.LedgerEntry, s.Anchor);
}

/// <summary>A census job's result: its summary as the job board shows it (<see cref="JobView.Result"/>), the whole report
/// kept beside it for <c>GET /censuses/{id}/animals</c> to page through, never sent whole.</summary>
public sealed class CensusResult(CensusReport report)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public CensusReport Report { get; } = report;

    public CensusSummaryView Summary { get; } = CensusSummaryView.Of(report);
}
