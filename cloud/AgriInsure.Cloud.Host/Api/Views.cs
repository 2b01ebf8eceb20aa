using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;
using AgriInsure.Signing.Pades;

namespace AgriInsure.Cloud.Host.Api;

// What the API answers with and takes: records of the registry without what the caller need not see (embeddings,
// other tenants), with enums as their kebab-case wire names and amounts as decimals with their currency.

/// <summary>One page of a list: <see cref="Items"/> after skipping <see cref="Offset"/>, of <see cref="Total"/>.</summary>
public sealed record PageView<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit);

public sealed record FarmerView(string Id, string Name, string Region)
{
    public static FarmerView Of(Farmer f) => new(f.Id, f.Name, f.Region);
}

/// <summary>A farmer to register: id (1–64 of A–Z a–z 0–9 - _ .), name and region (personal data: they stay in the
/// registry, never on the ledger).</summary>
public sealed record NewFarmer(string? Id, string? Name, string? Region);

public sealed record MoneyView(decimal Amount, string Currency)
{
    public static MoneyView Of(Money m) => new(m.Amount, m.Currency);
}

/// <summary>An enrolled animal: <see cref="Crops"/> are the API paths of its templates' face crops (JPEG), in template order;
/// <see cref="PaidDeathClaim"/> the death claim paid on it (<see cref="PaidDeaths"/>: the animal is dead and paid), where
/// the route reads claims (an animal, a herd), else null.</summary>
public sealed record AnimalView(
    string Id, string FarmerId, Species Species, string? EarTag, string ModelId, int Templates, string EnrolledBy, DateTimeOffset EnrolledAt, IReadOnlyList<string> Crops,
    string? PaidDeathClaim = null)
{
    public static AnimalView Of(EnrolledAnimal e) => new(e.Animal.Id, e.Animal.FarmerId, e.Animal.Species, e.Animal.EarTag, e.Animal.ModelId,
        e.Animal.Templates.Count, e.EnrolledBy, e.EnrolledAt, [.. e.CropKeys.Select((_, i) => $"/api/v1/animals/{e.Animal.Id}/crops/{i}")]);

}

/// <summary>A livestock policy; <see cref="InForce"/> once its contract is signed by both parties and anchored, with the
/// <see cref="Contract"/> on record.</summary>
public sealed record PolicyView(
    string Id, string FarmerId, IReadOnlyList<string> AnimalIds, MoneyView SumInsuredPerHead, MoneyView Premium, DateOnly Start, DateOnly End, bool InForce = false,
    ContractView? Contract = null)
{
    public static PolicyView Of(LivestockPolicy p, SignedContract? contract = null) => new(p.Id, p.FarmerId, p.AnimalIds, MoneyView.Of(p.SumInsuredPerHead),
        MoneyView.Of(p.Premium), p.Coverage.Start, p.Coverage.End, contract is not null, contract is null ? null : ContractView.Of(contract));
}

/// <summary>A livestock policy to issue over a farmer's enrolled animals: amounts in <see cref="Currency"/> (ISO 4217,
/// e.g. CNY), cover from <see cref="Start"/> to <see cref="End"/> inclusive.</summary>
public sealed record NewPolicy(string? FarmerId, IReadOnlyList<string>? AnimalIds, decimal? SumInsuredPerHead, decimal? Premium, string? Currency, DateOnly? Start, DateOnly? End);

/// <summary>A claim as the rules decided it (<see cref="Status"/>, <see cref="Reason"/>) and, read one at a time, the
/// claims officers' decisions on it in order (null in lists).</summary>
public sealed record ClaimView(
    string Id, ClaimKind Kind, string PolicyId, string SubjectId, string ClaimKey, string EvidenceId, ClaimStatus Status, string Reason, MoneyView? Payout,
    DateTimeOffset DecidedAt, IReadOnlyList<ClaimDecisionView>? Decisions = null)
{
    public static ClaimView Of(Claim c) => new(c.Id, c.Kind, c.PolicyId, c.SubjectId, c.Key.Hex, c.EvidenceId, c.Status, c.Reason, c.Payout is { } p ? MoneyView.Of(p) : null, c.DecidedAt);
}

public sealed record ClaimDecisionView(int Sequence, ClaimVerdict Verdict, string Officer, string Reason, DateTimeOffset DecidedAt, long LedgerEntry)
{
    public static ClaimDecisionView Of(ClaimDecision d) => new(d.Sequence, d.Verdict, d.Officer, d.Reason, d.DecidedAt, d.LedgerEntry);
}

/// <summary>A claims officer's decision: <c>approve</c>, <c>refuse</c> or <c>survey</c>, and why.</summary>
public sealed record ClaimDecisionRequest(string? Verdict, string? Reason);

public sealed record ReviewView(ReviewVerdict Verdict, string Reviewer, string Reason, DateTimeOffset DecidedAt, string? EnrolledAnimalId, long LedgerEntry)
{
    public static ReviewView Of(ReviewDecision d) => new(d.Verdict, d.Reviewer, d.Reason, d.DecidedAt, d.EnrolledAnimalId, d.LedgerEntry);
}

/// <summary>A flagged duplicate enrolment with its evidence: the new photos and their scores against the matched
/// animal's templates, both enrolments' farmers, fixes (WGS84 degrees) and times, and the distance between them in metres.</summary>
public sealed record CaseView(
    string CaptureId, string? FarmerId, double Longitude, double Latitude, DateTimeOffset TakenAt, float Score, IReadOnlyList<float> PhotoScores,
    string MatchedAnimalId, string MatchedFarmerId, double MatchedLongitude, double MatchedLatitude, DateTimeOffset MatchedTakenAt,
    double DistanceMetres, bool Open, ReviewView? Decision)
{
    public static CaseView Of(DuplicateCase c) => new(c.CaptureId, c.FarmerId, c.Fix.Longitude, c.Fix.Latitude, c.TakenAt, c.Score, c.PhotoScores,
        c.MatchedAnimalId, c.MatchedFarmerId, c.MatchedFix.Longitude, c.MatchedFix.Latitude, c.MatchedTakenAt, c.Distance.Metres, c.IsOpen,
        c.Decision is { } d ? ReviewView.Of(d) : null);
}

/// <summary>A reviewer's decision on a case: <c>duplicate</c> (not enrolled) or <c>new-animal</c> (enrolled), and why.</summary>
public sealed record ReviewRequest(string? Verdict, string? Reason);

/// <summary>A ledger entry with its RFC 9162 inclusion proof against the tree head of <see cref="TreeSize"/>
/// entries: hashes in lowercase hex, <see cref="Path"/> from the leaf up. Check it with
/// <c>AgriInsure.Ledger.Proofs.ProofVerifier.VerifyInclusion</c> or any RFC 9162 verifier.</summary>
public sealed record ProofView(long Index, string Kind, string Key, string PayloadHash, DateTimeOffset RecordedAt, long TreeSize, string LeafHash, IReadOnlyList<string> Path, string Root)
{
    public static ProofView Of(LedgerEntry e, InclusionProof p) => new(e.Index, e.Kind, e.Key, e.PayloadHash, e.RecordedAt, p.TreeSize,
        Convert.ToHexStringLower(p.LeafHash), [.. p.Path.Select(Convert.ToHexStringLower)], Convert.ToHexStringLower(p.Root));
}

public sealed record HeadView(long Size, string Root);

/// <summary>A policy's signed contract on record: the signed PDF's SHA-256 (hex), the ledger entry anchoring it, when the
/// policy came into force, and where the PDF is read.</summary>
public sealed record ContractView(string DocumentSha256, long LedgerEntry, DateTimeOffset ActivatedAt, string Path)
{
    public static ContractView Of(SignedContract c) => new(c.Document.Hex, c.AnchorIndex, c.ActivatedAt, $"/api/v1/policies/{c.PolicyId}/contract");
}

/// <summary>A real-name identity check, without the number or its hash. <see cref="SameNumberAs"/> (only when recording):
/// the tenant's other farmer records the same number was checked as, one person under two records.</summary>
public sealed record IdentityCheckView(
    string Id, string FarmerId, string AgentId, string Method, string Outcome, DateTimeOffset CheckedAt, IReadOnlyList<string>? SameNumberAs = null)
{
    public static IdentityCheckView Of(IdentityCheck c, IReadOnlyList<string>? sameNumberAs = null) =>
        new(c.Id, c.FarmerId, c.AgentId, c.Method.Name(), c.Outcome.Name(), c.CheckedAt, sameNumberAs);
}

/// <summary>An identity check to record: the resident identity number read (18 characters, GB 11643), how it was checked
/// (<c>id-card-chip-read</c>, <c>document-inspected-in-person</c>, <c>face-compared-with-id-photo</c>,
/// <c>citizen-registry-query</c>) and the outcome (<c>passed</c>, the default, or <c>failed</c>).</summary>
public sealed record NewIdentityCheck(string? Number, string? Method, string? Outcome)
{
    /// <summary>Withholds the number.</summary>
    public override string ToString() => $"identity check ({Method}, {Outcome ?? "passed"})";
}

/// <summary>A countersignature that put the policy in force (<c>active</c>), or found it in force already
/// (<c>already-active</c>, no report then).</summary>
public sealed record ClosedContractView(string Outcome, string Reason, ContractView Contract, ContractVerificationView? Verification);

/// <summary>The verifier's report of a contract PDF: the document's verdict and SHA-256 (hex), each signature in signing
/// order, and with a policy named, its ledger anchor.</summary>
public sealed record ContractVerificationView(DocumentVerdict Verdict, string Reason, string Sha256, IReadOnlyList<SignatureView> Signatures, AnchorView? Anchor)
{
    public static ContractVerificationView Of(VerificationReport r, AnchorView? anchor) =>
        new(r.Verdict, r.Reason, r.Sha256, [.. r.Signatures.Select(SignatureView.Of)], anchor);
}

/// <summary>One signature: its field, verdict and why; the signer's subject (RFC 4514 string) and chain, signer first; the
/// RFC 3161 timestamp's time and authority; the revocation status at that time and its source (embedded OCSP or CRL);
/// whether more than allowed additions (the security store, later signatures) came after it.</summary>
public sealed record SignatureView(
    string Field, SignatureVerdict Verdict, string Reason, string? Signer, IReadOnlyList<string> Chain, DateTimeOffset? TimestampTime, string? TimestampAuthority,
    RevocationStatus Revocation, string? RevocationSource, bool ModifiedAfter)
{
    public static SignatureView Of(SignatureReport s) =>
        new(s.FieldName, s.Verdict, s.Reason, s.Signer, s.Chain, s.TimestampTime, s.TimestampAuthority, s.Revocation, s.RevocationSource, s.ModifiedAfter);
}

/// <summary>Whether the ledger holds the verified PDF's SHA-256 for <see cref="PolicyId"/>: the anchoring entry and the hash
/// it holds (another PDF's when <see cref="Anchored"/> is false), both null when nothing is anchored for the policy.</summary>
public sealed record AnchorView(string PolicyId, bool Anchored, long? LedgerEntry, string? AnchoredSha256);
