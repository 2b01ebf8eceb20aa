using System.Globalization;
using AgriInsure.Domain;

namespace AgriInsure.Crops;

/// <summary>Every ledger key and payload the crop rules write, in one place. Keys and payloads are
/// SHA-256 digests (<see cref="Digest.Of"/>) of opaque ids and figures: no name, phone or outline.</summary>
public static class CropAnchors
{
    public const string PolicyKind = "policy";
    public const string CoverKind = "crop-cover";
    public const string ClaimKind = "claim";

    /// <summary>The same key rule as livestock policies: one ledger entry per policy id.</summary>
    public static string PolicyKey(string policyId) => Digest.Of("policy", policyId).Hex;

    /// <summary>One key per plot and calendar month the cover touches. The ledger takes a key once, so a
    /// second policy on the plot sharing any month with the first is refused: a plot is insured by at most
    /// one policy in any calendar month. Months, not days, keep a policy to at most 37 entries.</summary>
    public static IEnumerable<(string Month, string Key)> CoverMonths(string plotId, Coverage coverage)
    {
        for (var month = new DateOnly(coverage.Start.Year, coverage.Start.Month, 1); month <= coverage.End; month = month.AddMonths(1))
        {
            var text = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            yield return (text, Digest.Of("crop-cover", plotId, text).Hex);
        }
    }

    /// <summary>The policy's terms as anchored: a claim is paid only on a policy whose terms hash to what
    /// the ledger holds under its id.</summary>
    public static string Terms(CropPolicy p)
    {
        var a = p.Acreage;
        var t = p.Terms;
        return Digest.Of("crop-policy", p.Id, p.FarmerId, a.PlotId, a.Measured.SquareMetres.ToString("R", CultureInfo.InvariantCulture),
            a.Quality.Name(), a.MeasuredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), a.Evidence.Hex,
            t.Crop, t.SumInsuredPerMu.ToString(), t.RatePerMu.ToString(), t.Deductible.ToString(CultureInfo.InvariantCulture),
            Day(t.Coverage.Start), Day(t.Coverage.End), p.SumInsured.ToString(), p.Premium.ToString()).Hex;
    }

    /// <summary>What a claim decision rests on: the assessment's evidence, the figures read from it and the
    /// indemnity. The same claim sent again with the same evidence is recognised as a retry.</summary>
    public static string ClaimEvidence(CropLossAssessment a, Money indemnity) =>
        Digest.Of("crop-claim", a.Evidence.Hex, a.DamageFraction.ToString("R", CultureInfo.InvariantCulture),
            a.HiddenShare.ToString("R", CultureInfo.InvariantCulture), a.Quality.Name(), indemnity.ToString()).Hex;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
