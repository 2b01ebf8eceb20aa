using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>A provisioned handheld: the tenant it captures for, its id (its broker user name and topic segment), the agent
/// it was provisioned for, its capture-signing key (a P-256 SubjectPublicKeyInfo, RFC 5280 §4.1.2.7), and when it was
/// revoked (null while it may send captures). A revoked device stays on record: its earlier captures name it.</summary>
public sealed record DeviceRecord(string Tenant, string DeviceId, string AgentId, byte[] PublicKey, DateTimeOffset? RevokedAt = null)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>What <see cref="IRegistry.RegisterDeviceAsync"/> did with a device.</summary>
public enum DeviceRegistration
{
    /// <summary>A new device, stored.</summary>
    Registered,

    /// <summary>The device was on record with this key already (a provisioning retried): its agent is updated, nothing else.</summary>
    Confirmed,

    /// <summary>Refused: the tenant has a device of this id with another key. A device is never silently re-keyed: captures
    /// signed by the old key would stop verifying, and whoever learnt the id could take the device over.</summary>
    KeyConflict,

    /// <summary>Refused: the device of this id was revoked; a revoked device is not provisioned again.</summary>
    Revoked,

    /// <summary>Refused: another tenant has a device of this id. The broker knows a device by its id alone
    /// (<c>BrokerLogin.UserName</c>), so an id names one device in the whole cloud.</summary>
    IdTaken,
}

public static class DeviceRegistrations
{
    /// <summary>What registering <paramref name="incoming"/> does when <paramref name="onRecord"/> has its id (the
    /// engines look up the incoming tenant's own device first): the one rule of <see cref="DeviceRegistration"/>.</summary>
    public static DeviceRegistration Against(DeviceRecord incoming, DeviceRecord onRecord) =>
        onRecord.Tenant != incoming.Tenant ? DeviceRegistration.IdTaken
        : onRecord.Revoked ? DeviceRegistration.Revoked
        : onRecord.PublicKey.AsSpan().SequenceEqual(incoming.PublicKey) ? DeviceRegistration.Confirmed
        : DeviceRegistration.KeyConflict;

    /// <summary>True for the outcomes that stored the device.</summary>
    public static bool Stored(this DeviceRegistration outcome) => outcome is DeviceRegistration.Registered or DeviceRegistration.Confirmed;
}

/// <summary>A capture as stored, with the decision it led to: what a redelivery is answered with.</summary>
public sealed record StoredCapture(CaptureRecord Capture, CaptureDecision Decision);

/// <summary>Enrolled animals' template sets (1 to <see cref="Animal.MaxTemplates"/> each), drawn from a gallery of
/// <paramref name="Animals"/> animals.</summary>
public sealed record GallerySample(int Animals, IReadOnlyList<IReadOnlyList<Embedding>> TemplateSets);

public sealed record RegistryCounts(int Farmers, int Animals, int Policies, int Captures, int AcceptedClaims, int RefusedClaims, int FlaggedEnrolments);

/// <summary>The system of record for farmers, devices, animals, policies, captures and claims.
/// Every write that belongs together is one call, so nothing is ever half-written.
/// <para>Tenancy: every record carries the tenant (insurer) it belongs to, and every read and search names one
/// tenant and sees nothing of another's: a search or a duplicate flag never crosses tenants, and an id of another
/// tenant's record reads as absent. A capture's tenant is its device's; an animal's, policy's and claim's are
/// their capture's or farmer's. The exceptions, not reachable from the HTTP API, are the capture-id lookup
/// (<see cref="FindCaptureAsync"/>: capture ids are unique in the whole store, so a redelivery is recognised
/// whoever sends it) and the operator's model maintenance (<see cref="LabelledAnimalsAsync"/>,
/// <see cref="SwitchModelAsync"/>, <see cref="ActiveModelAsync"/>: one face model serves every tenant).</para></summary>
public interface IRegistry : IAsyncDisposable
{
    /// <summary>Runs one decision of a tenant's (an ingest's dedup → 1:N search → record, a policy issuance, a review or a
    /// claims officer's decision) atomically against every other writer of the store, in this process or another:
    /// <paramref name="decide"/> runs holding the store's lock for the tenant (PostgreSQL: a transaction-scoped advisory
    /// lock; SQLite: <c>BEGIN IMMEDIATE</c>, the whole file), after the template index caught up with every enrolment
    /// committed before the lock was taken; the registry writes it makes are one transaction, committed when it returns and
    /// rolled back when it throws or the process dies. A decision of the same tenant inside it joins it; one of another
    /// tenant throws <see cref="InvalidOperationException"/>. Writes to other stores it makes (the ledger) are not in the
    /// transaction: they are keyed so that doing them again after a crash changes nothing.</summary>
    Task<T> DecideAsync<T>(string tenant, Func<CancellationToken, Task<T>> decide, CancellationToken ct = default);

    /// <summary>Stores a new device, atomically against other writers: refused (and nothing written) when its id is on
    /// record with another key, revoked, or in another tenant (see <see cref="DeviceRegistration"/>). The device's
    /// <see cref="DeviceRecord.RevokedAt"/> is ignored: a device is registered active.</summary>
    Task<DeviceRegistration> RegisterDeviceAsync(DeviceRecord device, CancellationToken ct = default);

    /// <summary>The tenant's device of that id, revoked or not; null when the tenant has none.</summary>
    Task<DeviceRecord?> FindDeviceAsync(string tenant, string deviceId, CancellationToken ct = default);

    /// <summary>Revokes the tenant's device at <paramref name="at"/>: from then on its captures are refused and the broker
    /// refuses its login. Revoking again keeps the first time. Returns the device as it now stands; null when the tenant
    /// has no device of that id.</summary>
    Task<DeviceRecord?> RevokeDeviceAsync(string tenant, string deviceId, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Whether a device of that id is on record, in any tenant, and not revoked: what the broker asks when a
    /// device logs in (it knows the device by id alone).</summary>
    Task<bool> IsDeviceActiveAsync(string deviceId, CancellationToken ct = default);

    Task AddFarmerAsync(Farmer farmer, CancellationToken ct = default);

    Task<Farmer?> FindFarmerAsync(string tenant, string farmerId, CancellationToken ct = default);

    /// <summary>A page of the tenant's farmers, by id.</summary>
    Task<Paged<Farmer>> FarmersAsync(string tenant, Page page, CancellationToken ct = default);

    /// <summary>A page of the tenant's farmers whose id, name or region contains <paramref name="text"/> (ignoring the case
    /// of ASCII letters; Chinese names match as written), by id, with how many match.</summary>
    Task<Paged<Farmer>> SearchFarmersAsync(string tenant, string text, Page page, CancellationToken ct = default);

    /// <summary>The capture stored under an id, whichever tenant's it is: the ingest's idempotency key. A caller
    /// acting for a tenant compares <see cref="CaptureRecord.Tenant"/> and treats another tenant's as absent.</summary>
    Task<StoredCapture?> FindCaptureAsync(string captureId, CancellationToken ct = default);

    /// <summary>The id of a capture of the tenant's that already carried a photo whose crop has
    /// <paramref name="cropKey"/> (its content key: the same bytes), or null: a photo is evidence once.</summary>
    Task<string?> CaptureWithCropAsync(string tenant, string cropKey, CancellationToken ct = default);

    /// <summary>Stores an enrolment capture and its decision, and the new animal when it created one (in the
    /// capture's tenant).</summary>
    Task RecordEnrolmentAsync(CaptureRecord capture, CaptureDecision decision, Animal? enrolled, CancellationToken ct = default);

    /// <summary>Stores a claim capture and its decision, and the claim when one was decided (in the capture's tenant).</summary>
    Task RecordClaimAsync(CaptureRecord capture, CaptureDecision decision, Claim? claim, CancellationToken ct = default);

    /// <summary>The best-scoring animals of a tenant and species, in a scope, whose templates come from the probes' model,
    /// with the number of such animals in the scope, counting every animal committed by any process before the call. The probes are one capture's photos; an animal's score is
    /// fused over them and its templates by <see cref="FusedScore.Fuse"/>, in exact float cosines. With a
    /// <paramref name="floor"/> (the lowest threshold the answer will be judged against) a large scope is searched
    /// through the index's sign-code pre-filter: every animal at or above the floor is found, ranks below it are
    /// the best found.</summary>
    Task<ScopeHits> SearchAsync(string tenant, IReadOnlyList<Embedding> probes, Species species, ScopeFilter scope, int top, float? floor = null, CancellationToken ct = default);

    /// <summary>The number of a tenant's enrolled animals of a species whose templates come from <paramref name="modelId"/>:
    /// the registry scope's size, known without a search.</summary>
    Task<int> GallerySizeAsync(string tenant, Species species, string modelId, CancellationToken ct = default);

    /// <summary>Template sets of up to <paramref name="maxAnimals"/> of a tenant's enrolled animals of a species and model, for
    /// estimating the impostor score distribution, drawn from the first <paramref name="asOfAnimals"/> enrolled
    /// (all when null or more than there are), and the size of the gallery drawn from. The gallery as it stood at a
    /// given size always gives the same sample, so a past calibration can be drawn again.</summary>
    Task<GallerySample> SampleGalleryAsync(string tenant, Species species, string modelId, int maxAnimals, int? asOfAnimals = null, CancellationToken ct = default);

    /// <summary>A tenant's animals of a species on policies active on <paramref name="day"/>: of one farmer, or of
    /// every farmer of the tenant when <paramref name="farmerId"/> is null.</summary>
    Task<IReadOnlyList<string>> InsuredAnimalsAsync(string tenant, string? farmerId, Species species, DateOnly day, CancellationToken ct = default);

    Task<Animal?> FindAnimalAsync(string tenant, string animalId, CancellationToken ct = default);

    /// <summary>One of the tenant's animals with its enrolment and its templates' crops; null when the tenant has none
    /// of that id.</summary>
    Task<EnrolledAnimal?> FindEnrolledAnimalAsync(string tenant, string animalId, CancellationToken ct = default);

    /// <summary>A page of the tenant's animals (of one farmer when <paramref name="farmerId"/> is given), in enrolment
    /// order.</summary>
    Task<Paged<EnrolledAnimal>> AnimalsAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default);

    /// <summary>Stores a policy of the tenant's farmer <see cref="LivestockPolicy.FarmerId"/> over the tenant's
    /// animals, unless one of them is on a policy whose cover overlaps this one's on any day: then nothing is written
    /// and the overlap is returned. Checked and written in one transaction, so two issuances racing for one animal
    /// cannot both be stored. Throws <see cref="InvalidOperationException"/> for an animal of another tenant.</summary>
    Task<PolicyOverlap?> AddLivestockPolicyAsync(string tenant, LivestockPolicy policy, long ledgerIndex, CancellationToken ct = default);

    /// <summary>The first of <paramref name="animalIds"/> already on a policy whose cover overlaps <paramref name="cover"/>
    /// on any day (both ends inclusive), with that policy; null when none is.</summary>
    Task<PolicyOverlap?> FindOverlapAsync(string tenant, IReadOnlyList<string> animalIds, Coverage cover, CancellationToken ct = default);

    Task<LivestockPolicy?> FindActivePolicyAsync(string tenant, string animalId, DateOnly day, CancellationToken ct = default);

    Task<LivestockPolicy?> FindPolicyAsync(string tenant, string policyId, CancellationToken ct = default);

    /// <summary>A page of the tenant's livestock policies (of one farmer when <paramref name="farmerId"/> is given), by id.</summary>
    Task<Paged<LivestockPolicy>> PoliciesAsync(string tenant, string? farmerId, Page page, CancellationToken ct = default);

    /// <summary>A tenant's flagged duplicate enrolments with their evidence, oldest first; only those no reviewer has
    /// decided when <paramref name="openOnly"/>.</summary>
    Task<Paged<DuplicateCase>> DuplicateCasesAsync(string tenant, bool openOnly, Page page, CancellationToken ct = default);

    /// <summary>The tenant's flagged duplicate enrolment of that capture id, decided or not; null when there is none.</summary>
    Task<DuplicateCase?> FindDuplicateCaseAsync(string tenant, string captureId, CancellationToken ct = default);

    /// <summary>Stores a review decision on one of the tenant's flagged captures, in one write with the animal it enrols (a new-animal verdict) and the
    /// confirmed impostor pair (the new animal and the one it was mistaken for).</summary>
    Task RecordReviewAsync(string tenant, ReviewDecision decision, Animal? enrolled, string? matchedAnimalId, GeoPoint fix, CancellationToken ct = default);

    /// <summary>A page of a tenant's decided claims (on one policy when <paramref name="policyId"/> is given), oldest first.</summary>
    Task<Paged<Claim>> ClaimsAsync(string tenant, string? policyId, Page page, CancellationToken ct = default);

    Task<Claim?> FindClaimAsync(string tenant, string claimId, CancellationToken ct = default);

    /// <summary>Every claim of the tenant's on one animal or plot (<see cref="Claim.SubjectId"/>), oldest first.</summary>
    Task<IReadOnlyList<Claim>> ClaimsOnSubjectAsync(string tenant, string subjectId, CancellationToken ct = default);

    /// <summary>The claims officers' decisions on one of the tenant's claims, in order.</summary>
    Task<IReadOnlyList<ClaimDecision>> ClaimDecisionsAsync(string tenant, string claimId, CancellationToken ct = default);

    /// <summary>Stores an officer's decision on one of the tenant's claims as decision number
    /// <see cref="ClaimDecision.Sequence"/> (the count of earlier decisions), unless another decision took that number
    /// first or a final verdict was stored: then nothing is written and false is returned.</summary>
    Task<bool> RecordClaimDecisionAsync(string tenant, ClaimDecision decision, CancellationToken ct = default);

    /// <summary>Stores one of the tenant's census visits (<see cref="CensusVisit"/>), keyed by its ledger key: a visit stored
    /// already is left as it is (a visit submitted again). Throws <see cref="InvalidOperationException"/> for a policy of
    /// another tenant.</summary>
    Task RecordCensusAsync(string tenant, CensusVisit visit, CancellationToken ct = default);

    /// <summary>Stores a real-name identity check of the tenant's farmer <see cref="IdentityCheck.FarmerId"/>. Returns true
    /// when stored, false (nothing written) when a check of that id is on record already (a record retried). Throws
    /// <see cref="InvalidOperationException"/> when the tenant has no such farmer. The check carries only the keyed hash
    /// of the identity number (<see cref="IdentityHash"/>), never the number.</summary>
    Task<bool> RecordIdentityCheckAsync(string tenant, IdentityCheck check, CancellationToken ct = default);

    /// <summary>The tenant's identity checks of one farmer, oldest first (by time, then id); empty for a farmer the tenant
    /// does not have.</summary>
    Task<IReadOnlyList<IdentityCheck>> IdentityChecksAsync(string tenant, string farmerId, CancellationToken ct = default);

    /// <summary>The tenant's identity checks that read the number behind <paramref name="numberHash"/> (same key, same
    /// hash), oldest first: every farmer record one person was checked as (one person under two farmer ids shows here).</summary>
    Task<IReadOnlyList<IdentityCheck>> IdentityChecksByNumberAsync(string tenant, IdentityHash numberHash, CancellationToken ct = default);

    /// <summary>Records that the tenant's policy <see cref="SignedContract.PolicyId"/> (livestock or crop) has its contract
    /// signed by both parties, verified and anchored: the policy is in force from then on. Returns true when stored, false
    /// (nothing written) when the same contract is on record already (a retry). Throws
    /// <see cref="InvalidOperationException"/> when the tenant has no such policy, or when another signed contract (another
    /// document hash) is on record for it: a policy is closed once.</summary>
    Task<bool> RecordSignedContractAsync(string tenant, SignedContract contract, CancellationToken ct = default);

    /// <summary>The signed contract of the tenant's policy; null while it is unsigned (the policy not in force), or for a
    /// policy the tenant does not have.</summary>
    Task<SignedContract?> FindSignedContractAsync(string tenant, string policyId, CancellationToken ct = default);

    /// <summary>The tenant's census visits (on one policy when <paramref name="policyId"/> is given), by day, then ledger entry.</summary>
    Task<IReadOnlyList<CensusVisit>> CensusVisitsAsync(string tenant, string? policyId, CancellationToken ct = default);

    /// <summary>How many of each record the tenant has.</summary>
    Task<RegistryCounts> CountsAsync(string tenant, CancellationToken ct = default);

    /// <summary>The enrolled animals of a species with their stored crops, one per photo: every template's crop (an
    /// enrolment's 1 to 5 photos) and every photo of each flagged enrolment a reviewer confirmed as a duplicate of the
    /// animal. Labelled photos to train a face model on. Flagged enrolments no reviewer has decided are not animals
    /// yet and are left out.</summary>
    Task<IReadOnlyList<LabelledAnimal>> LabelledAnimalsAsync(Species species, CancellationToken ct = default);

    /// <summary>The model the species' templates were last switched to by a promote; null while they come
    /// from the model the registry was started with.</summary>
    Task<ActiveModel?> ActiveModelAsync(Species species, CancellationToken ct = default);

    /// <summary>Replaces every template row of the species with <paramref name="templates"/> (all of
    /// <paramref name="model"/>'s id, one per row, each made from that row's own crop), records the switch and
    /// rebuilds the search index whole, in one transaction: either every search after it compares the new model's
    /// embeddings, or nothing changed. Fails (field <c>templates</c>) when they do not cover exactly the species'
    /// template rows, e.g. an animal enrolled since they were made.</summary>
    Task<Result<ActiveModel>> SwitchModelAsync(ActiveModel model, IReadOnlyList<ReembeddedTemplate> templates, CancellationToken ct = default);
}
