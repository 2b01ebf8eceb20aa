using AgriInsure.Domain;
using AgriInsure.Registry;

namespace AgriInsure.Cloud.Host.Api;

// What the claims routes answer with and take (ClaimsEndpoints.cs). Areas are ground areas on the WGS84 ellipsoid in m², mu
// and ha; shares are of the whole plot, 0 to 1; scores are cosine similarities of face embeddings, −1 to 1; enums are their
// kebab-case wire names.

/// <summary>One row of the claims queue, with the API path of its record (<see cref="Path"/>): a claim
/// (<c>/api/v1/claims/{id}</c> or <c>/api/v1/crop-claims/{id}</c>) or a duplicate case (<c>/api/v1/review/cases/{id}</c>).</summary>
public sealed record QueueItemView(
    QueueKind Kind, string Id, string Subject, string? FarmerId, DateTimeOffset OpenedAt, string RuleOutcome, MoneyView? Amount, string State, bool Open, string Path)
{
    public static QueueItemView Of(QueueItem q) => new(q.Kind, q.Id, q.Subject, q.FarmerId, q.OpenedAt, q.RuleOutcome, q.Amount is { } a ? MoneyView.Of(a) : null,
        q.State, q.IsOpen, q.Kind switch
        {
            QueueKind.Crop => $"/api/v1/crop-claims/{q.Id}",
            QueueKind.Duplicate => $"/api/v1/review/cases/{q.Id}",
            _ => $"/api/v1/claims/{q.Id}",
        });
}

/// <summary>The images a crop claim was assessed on: rasters by their name in the cloud's raster folder, the band read and
/// the day each was acquired, the cloud mask (null: none), the NDVI fall counted as damage and the largest hidden share the
/// map may decide with.</summary>
public sealed record CropClaimImagesView(
    string BeforeRaster, int BeforeBand, DateOnly BeforeAcquired, string AfterRaster, int AfterBand, DateOnly AfterAcquired, string? Clouds, double NdviDrop,
    double MaxHiddenShare)
{
    public static CropClaimImagesView Of(CropClaimImages i) =>
        new(i.BeforeRaster, i.BeforeBand, i.BeforeAcquired, i.AfterRaster, i.AfterBand, i.AfterAcquired, i.Clouds, i.Drop, i.MaxHiddenShare);
}

/// <summary>What the map gave and the indemnity arithmetic, line by line: the plot's area, the share inside the images and
/// the share hidden (cloud, nodata, invalid NDVI), the damaged area and <see cref="DamageShare"/>; then
/// <see cref="SumInsured"/> × <see cref="PayableShare"/> (max(0, damage share − <see cref="Deductible"/>)) =
/// <see cref="Indemnity"/>, rounded to the cent half to even; the quality flag (only <c>ok</c> pays) and the SHA-256 of the
/// evidence.</summary>
public sealed record CropClaimFiguresView(
    AreaView PlotArea, double CoveredShare, double HiddenShare, AreaView Damaged, double DamageShare, MoneyView SumInsured, decimal Deductible, decimal PayableShare,
    MoneyView Indemnity, PlotQuality Quality, string Note, string Evidence)
{
    public static CropClaimFiguresView Of(CropClaimFigures f) => new(AreaView.Of(f.PlotArea), f.CoveredShare, f.HiddenShare, AreaView.Of(f.Damaged), f.DamageShare,
        MoneyView.Of(f.SumInsured), f.Deductible, Math.Max(0m, (decimal)f.DamageShare - f.Deductible), MoneyView.Of(f.Indemnity), f.Quality, f.Note, f.Evidence);
}

/// <summary>A crop claim: the policy and plot, the peril and the event's days, the rules' status and outcome (a crop outcome
/// wire name: <c>accepted</c>, <c>duplicate</c>, <c>quality-not-ok</c>, …) and why, the payout, the ledger entry (the
/// claim key's when accepted, else the one that refused it, or null), the images and figures, who filed it and when it was
/// decided; the evidence map at <see cref="Map"/> (PNG, <c>?width=</c>); read one at a time, the claims officers' decisions
/// (null in lists).</summary>
public sealed record CropClaimView(
    string Id, string PolicyId, string PlotId, Peril Peril, DateOnly EventStart, DateOnly EventEnd, ClaimStatus Status, string Outcome, string Reason,
    MoneyView? Payout, long? LedgerEntry, CropClaimImagesView Images, CropClaimFiguresView Figures, string FiledBy, DateTimeOffset DecidedAt, string Map,
    IReadOnlyList<ClaimDecisionView>? Decisions = null)
{
    public static CropClaimView Of(StoredCropClaim s)
    {
        var c = s.Claim;
        return new(c.Id, c.PolicyId, c.SubjectId, s.Peril, s.Window.Start, s.Window.End, c.Status, s.Outcome, c.Reason, c.Payout is { } p ? MoneyView.Of(p) : null,
            s.LedgerEntry, CropClaimImagesView.Of(s.Images), CropClaimFiguresView.Of(s.Figures), s.FiledBy, c.DecidedAt, $"/api/v1/crop-claims/{c.Id}/map.png");
    }
}

/// <summary>A crop claim to assess by map: the crop policy, the peril (<c>flood</c>, <c>drought</c>, <c>hail</c>, <c>wind</c>,
/// <c>frost</c>, <c>pest</c>, <c>disease</c>), the event's first and last days, the NDVI images before and after it (each a
/// raster in <c>Cloud:Rasters</c> by its path inside it, with the date of a stack's acquisition or of a single-date raster
/// that does not state it, and a band), an optional cloud mask raster, the NDVI fall counted as damage (default 0.2) and
/// the largest hidden share (default 0.2).</summary>
public sealed record NewCropClaim(
    string? PolicyId, string? Peril, DateOnly? EventStart, DateOnly? EventEnd, ClaimImageRequest? Before, ClaimImageRequest? After, string? Clouds, double? NdviDrop,
    double? MaxHiddenShare);

/// <summary>One image of a claim by map: a raster in <c>Cloud:Rasters</c>, the acquisition day (<c>YYYY-MM-DD</c>, or
/// <c>YYYY-MM-DD#2</c> for a stack's second of a day) and the band (default 1; on a dated stack the day's).</summary>
public sealed record ClaimImageRequest(string? Raster, string? Date, int? Band);

/// <summary>One scope a capture was searched in: its size, the threshold a match needs, the chance of a false duplicate at
/// that size (null until estimated), the best and runner-up animals with their fused scores, and best − runner-up.</summary>
public sealed record ScopeView(
    SearchScope Scope, int Size, float Threshold, double? ExpectedFalseDuplicateRate, string? BestAnimalId, float? BestScore, string? RunnerUpAnimalId,
    float? RunnerUpScore, float? RunnerUpMargin)
{
    public static ScopeView Of(ScopeResult s) => new(s.Scope, s.Size, s.Threshold, s.ExpectedFalseDuplicateRate, s.Best?.AnimalId, s.Best?.Score,
        s.RunnerUp?.AnimalId, s.RunnerUp?.Score, s.Margin);
}

/// <summary>The evidence of a livestock death claim, side by side: the claim capture's photos and the insured animal's
/// enrolment photos (API paths of JPEG face crops; the claim's take <c>?width=</c>), the fused score of the claim photos
/// against the animal, each photo's best score among its templates (empty where a promoted model embedded them apart),
/// the scope that decided (its threshold) and every scope searched, <see cref="Margin"/> = score − threshold (≥ 0: the photo
/// matches the animal), the capture's outcome and reason, and the animal's life events (<see cref="LifeEventView"/>).</summary>
public sealed record ClaimEvidenceView(
    string ClaimId, string CaptureId, string AnimalId, string? FarmerId, DateTimeOffset TakenAt, double Longitude, double Latitude,
    IReadOnlyList<string> ClaimPhotos, IReadOnlyList<string> EnrolmentPhotos, float? Score, IReadOnlyList<float> PhotoScores, ScopeView? Scope, float? Margin,
    IReadOnlyList<ScopeView> Scopes, CaptureOutcome Outcome, string Reason, IReadOnlyList<LifeEventView> LifeEvents, bool LifeVerified);

/// <summary>A flagged duplicate enrolment with its photos for a reviewer: the case, the new capture's photos (JPEG, take
/// <c>?width=</c>) and the matched animal's enrolment photos, and the scopes searched (the threshold the score met).</summary>
public sealed record CaseEvidenceView(CaseView Case, IReadOnlyList<string> Photos, IReadOnlyList<string> MatchedPhotos, IReadOnlyList<ScopeView> Scopes);
