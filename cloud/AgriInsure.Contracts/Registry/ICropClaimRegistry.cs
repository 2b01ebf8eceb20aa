using AgriInsure.Domain;

namespace AgriInsure.Registry;

/// <summary>The images a crop loss was assessed on by map: NDVI before and after the event, each a raster of the cloud's
/// raster folder named by its path inside it, the band read (a dated stack's acquisition) and the day it was acquired; an
/// optional cloud-mask raster on the same grid with the band read for each image (non-zero = cloud); the NDVI fall from
/// which a cell counts as damaged (in (0, 2]) and the largest share of the plot that may be hidden for the map to decide
/// (0 to 1). Enough to draw the assessment's map again from the same files.</summary>
public sealed record CropClaimImages(
    string BeforeRaster, int BeforeBand, DateOnly BeforeAcquired, string AfterRaster, int AfterBand, DateOnly AfterAcquired,
    string? Clouds, int? CloudsBeforeBand, int? CloudsAfterBand, double Drop, double MaxHiddenShare);

/// <summary>What the map gave for the whole plot, and the indemnity arithmetic: the plot's ground area (WGS84 ellipsoid),
/// the share of it inside the images, the share hidden (cloud, nodata, NDVI outside [−1, 1]) in either image, the damaged
/// ground area and its share of the whole plot, the quality flag and why; the policy's sum insured and deductible (a share
/// of the plot) and sum insured × max(0, damage share − deductible) (<see cref="CropIndemnity.Compute"/>), rounded to the
/// cent; the SHA-256 (hex) of the evidence the claim key's entry rests on.</summary>
public sealed record CropClaimFigures(
    Area PlotArea, double CoveredShare, double HiddenShare, Area Damaged, double DamageShare, PlotQuality Quality, string Note,
    Money SumInsured, decimal Deductible, Money Indemnity, string Evidence);

/// <summary>A crop claim as kept: the claim as the crop rules decided it (<see cref="Claim.Kind"/> <see cref="ClaimKind.CropLoss"/>,
/// its subject the plot, its evidence id the assessment's SHA-256), the rules' outcome (a <c>CropOutcome</c> wire name such
/// as <c>accepted</c>, <c>duplicate</c>, <c>quality-not-ok</c>), the ledger entry it is anchored at (accepted) or that caused
/// the refusal (null when none), the peril and event window, the images and figures, and who filed it.</summary>
public sealed record StoredCropClaim(
    Claim Claim, string Outcome, long? LedgerEntry, Peril Peril, EventWindow Window, CropClaimImages Images, CropClaimFigures Figures, string FiledBy);

/// <summary>The crop claims of the registry, kept in its claims (so claims officers decide them as any claim, through
/// <see cref="IRegistry.RecordClaimDecisionAsync"/>) with their assessment beside them. Tenancy as everywhere: another
/// tenant's claim reads as absent.</summary>
public interface ICropClaimRegistry
{
    /// <summary>Stores a crop claim of one of the tenant's crop policies (<see cref="Claim.PolicyId"/>, on plot
    /// <see cref="Claim.SubjectId"/>) with its assessment, in one write, and returns it; an accepted claim whose key already
    /// has an accepted claim of the tenant's is not stored, and that earlier claim is returned (one claim is paid once, also
    /// when two hosts file it at the same instant: the check and the write are one step). Throws
    /// <see cref="InvalidOperationException"/> for a policy the tenant does not have, or one on another plot.</summary>
    Task<StoredCropClaim> AddCropClaimAsync(string tenant, StoredCropClaim claim, CancellationToken ct = default);

    Task<StoredCropClaim?> FindCropClaimAsync(string tenant, string claimId, CancellationToken ct = default);

    /// <summary>A page of the tenant's crop claims (on one plot when <paramref name="plotId"/> is given), newest first.</summary>
    Task<Paged<StoredCropClaim>> CropClaimsAsync(string tenant, string? plotId, Page page, CancellationToken ct = default);
}

/// <summary>What a row of the claims queue is.</summary>
public enum QueueKind
{
    /// <summary>A livestock death claim.</summary>
    Livestock,

    /// <summary>A crop loss claim.</summary>
    Crop,

    /// <summary>A flagged duplicate enrolment, for a reviewer.</summary>
    Duplicate,
}

public static class QueueKindNames
{
    public static Result<QueueKind> Parse(string? text, string field = "kind") => WireNames.Parse<QueueKind>(text, field, "queue kind", Name);

    public static string Name(this QueueKind kind) => kind switch
    {
        QueueKind.Livestock => "livestock",
        QueueKind.Crop => "crop",
        QueueKind.Duplicate => "duplicate",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>Which rows of the queue: of one kind (all when null); open (no final decision: a claim with no approve or
/// refuse, a case not reviewed) or decided (null: both); <see cref="Search"/> (1 to 64 characters, matched case-insensitively
/// inside the id, the subject and the farmer; null: all).</summary>
public sealed record QueueFilter(QueueKind? Kind, bool? Decided, string? Search)
{
    public const int MaxSearch = 64;
}

/// <summary>One row of the claims queue: the claim (or the flagged capture of a duplicate case), its subject (the animal,
/// the plot, or the animal a duplicate matched), the farmer, when it came in, the rules' outcome (a claim's status
/// <c>accepted</c>/<c>refused</c>, a crop outcome's wire name, <c>duplicate-enrolment</c>), the amount the rules would pay
/// (null for none), and its state: <c>open</c>, or the latest decision's verdict (<c>survey</c> leaves a claim open;
/// <c>approve</c>, <c>refuse</c>, <c>duplicate</c>, <c>new-animal</c> close it).</summary>
public sealed record QueueItem(QueueKind Kind, string Id, string Subject, string? FarmerId, DateTimeOffset OpenedAt, string RuleOutcome, Money? Amount, string State)
{
    public bool IsOpen => State is "open" or "survey";
}

/// <summary>The claims officers' queue: a tenant's claims of both kinds and its flagged duplicate enrolments together,
/// newest first (by when they came in, then by id), filtered and paged in the store.</summary>
public interface IClaimsQueue
{
    Task<Paged<QueueItem>> ClaimsQueueAsync(string tenant, QueueFilter filter, Page page, CancellationToken ct = default);
}
