using System.Globalization;
using System.Runtime.InteropServices;
using AgriInsure.Domain;

namespace AgriInsure.Livestock;

/// <summary>Every ledger kind, key and payload the livestock rules write, in one place: the desk writes them, and a herd's
/// history and a reconciliation derive them again from the registry's records to find each record's entry and check it.
/// Keys and payloads are SHA-256 digests (<see cref="Digest.Of"/>: each part length-prefixed) of opaque ids, dates,
/// embeddings and decisions; no name, phone or place reaches the ledger.</summary>
public static class LivestockAnchors
{
    public const string EnrolmentKind = "enrolment";
    public const string CoverKind = "policy-cover";
    public const string PolicyKind = "policy";
    public const string ClaimKind = "claim";
    public const string ClaimDecisionKind = "claim-decision";
    public const string ReviewKind = "review";
    public const string CensusKind = "census";
    public const string ModelKind = "model";

    /// <summary>An animal's enrolment: SHA-256("animal", animal id). Animal ids are unique in the store.</summary>
    public static string EnrolmentKey(string animalId) => Digest.Of("animal", animalId).Hex;

    /// <summary>The templates an enrolment anchors: the model id and each photo's embedding (its float32 values' bytes,
    /// little-endian, base64), in order.</summary>
    public static string Templates(string modelId, IEnumerable<Embedding> embeddings) =>
        Digest.Of(["template", modelId, .. embeddings.Select(e => Convert.ToBase64String(MemoryMarshal.AsBytes(e.Values)))]).Hex;

    /// <summary>One animal's cover over one period: SHA-256("policy-cover", animal id, first day, last day) (ISO 8601).
    /// The ledger takes a key once, so it refuses a second policy of that animal and period whoever issues it.</summary>
    public static string CoverKey(string animalId, Coverage coverage) => Digest.Of("policy-cover", animalId, Day(coverage.Start), Day(coverage.End)).Hex;

    /// <summary>A policy: SHA-256("policy", policy id); the same rule as crop policies.</summary>
    public static string PolicyKey(string policyId) => Digest.Of("policy", policyId).Hex;

    /// <summary>A policy's terms, the payload of the policy and of each animal's cover: its animals (ordinal order), sum
    /// insured per head, premium and cover, without the policy's fresh id, so an issuance retried after a crash between
    /// the ledger and the registry finds its own covers.</summary>
    public static string Terms(LivestockPolicy policy) =>
        Digest.Of(string.Join(",", policy.AnimalIds.Order(StringComparer.Ordinal)) + $"|{policy.SumInsuredPerHead}|{policy.Premium}|{Day(policy.Coverage.Start)}|{Day(policy.Coverage.End)}").Hex;

    /// <summary>A death claim's key: <see cref="ClaimKey.ForAnimal"/> (one death claim per animal and policy).</summary>
    public static string ClaimKeyOf(string policyId, string animalId) => ClaimKey.ForAnimal(policyId, animalId).Hex;

    /// <summary>A death claim's evidence: SHA-256("claim-evidence", the claim photo's capture id).</summary>
    public static string ClaimEvidence(string captureId) => Digest.Of("claim-evidence", captureId).Hex;

    /// <summary>A claims officer's decision number <paramref name="sequence"/> (from 0) on a claim.</summary>
    public static string ClaimDecisionKey(string claimId, int sequence) => Digest.Of("claim-decision", claimId, sequence.ToString(CultureInfo.InvariantCulture)).Hex;

    public static string ClaimDecisionPayload(ClaimVerdict verdict, string officer, string reason) => Digest.Of("claim-decision", verdict.Name(), officer, reason).Hex;

    /// <summary>A reviewer's decision on a flagged enrolment: SHA-256("review", its capture id), so a case is decided once.</summary>
    public static string ReviewKey(string captureId) => Digest.Of("review", captureId).Hex;

    public static string ReviewPayload(ReviewVerdict verdict, string reviewer, string reason) => Digest.Of("review-decision", verdict.Name(), reviewer, reason).Hex;

    /// <summary>A census visit: SHA-256 of the policy, the day and each sighting's name and embeddings (hex of the float32
    /// bytes), so the same visit submitted again finds its entry.</summary>
    public static string CensusKey(string policyId, DateOnly day, IEnumerable<CensusPhoto> photos) =>
        Digest.Of(["census", policyId, Day(day), .. photos.Select(p => $"{p.Name}:{string.Join(":", p.Embeddings.Select(e => Convert.ToHexStringLower(MemoryMarshal.AsBytes(e.Values))))}")]).Hex;

    /// <summary>What a census found: each insured animal's presence (policy order), then each sighting's animal or "none"
    /// (visit order).</summary>
    public static string CensusResult(IEnumerable<CensusAnimal> animals, IEnumerable<(string Photo, string? AnimalId)> sightings) =>
        Digest.Of(["census-result", .. animals.Select(a => $"{a.AnimalId}:{a.Presence.Name()}"), .. sightings.Select(s => $"{s.Photo}:{s.AnimalId ?? "none"}")]).Hex;

    /// <summary>A switch of a species' templates to a face model: SHA-256("model", species, model id), so a model is
    /// promoted once.</summary>
    public static string ModelKey(Species species, string modelId) => Digest.Of("model", species.Name(), modelId).Hex;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
