using AgriInsure.Domain;
using CsCheck;

namespace AgriInsure.Domain.Tests;

public class CropIndemnityTests
{
    private static readonly Gen<decimal> Sums = Gen.Int[1, 10_000_000].Select(cents => cents / 100m);
    private static readonly Gen<decimal> Deductibles = Gen.Int[0, 99].Select(p => p / 100m);

    private static Money Cny(decimal amount) => Money.Create(amount, "CNY").Value;

    [Fact]
    public void Never_negative_and_never_above_the_sum_insured() =>
        Gen.Select(Sums, Gen.Double[0, 1], Deductibles).Sample((sum, fraction, deductible) =>
        {
            var paid = CropIndemnity.Compute(Cny(sum), fraction, deductible);
            Assert.InRange(paid.Amount, 0m, sum);
            Assert.Equal("CNY", paid.Currency);
        });

    [Fact]
    public void Grows_with_the_damage_fraction() =>
        Gen.Select(Sums, Gen.Double[0, 1], Gen.Double[0, 1], Deductibles).Sample((sum, a, b, deductible) =>
        {
            var (low, high) = a <= b ? (a, b) : (b, a);
            Assert.True(CropIndemnity.Compute(Cny(sum), low, deductible).Amount <= CropIndemnity.Compute(Cny(sum), high, deductible).Amount);
        });

    [Fact]
    public void Pays_nothing_up_to_the_deductible() =>
        Gen.Select(Sums, Deductibles, Gen.Double[0, 1]).Sample((sum, deductible, share) =>
            Assert.Equal(0m, CropIndemnity.Compute(Cny(sum), (double)deductible * share, deductible).Amount));

    [Fact]
    public void Keeps_the_figures_the_imagery_computed_before() =>
        Gen.Select(Sums, Gen.Double[0, 1], Deductibles).Sample((sum, fraction, deductible) =>
            Assert.Equal(decimal.Round(sum * Math.Max(0m, (decimal)fraction - deductible), 2, MidpointRounding.ToEven), CropIndemnity.Compute(Cny(sum), fraction, deductible).Amount));

    [Theory]
    [InlineData(10_000, 0.5, 0.1, 4000)]
    [InlineData(10_000, 0.05, 0.1, 0)]
    [InlineData(10_000, 1.0, 0.1, 9000)]
    [InlineData(10.10, 0.35, 0.1, 2.52)] // 2.525 rounds half to even, not up
    [InlineData(10.30, 0.35, 0.1, 2.58)] // 2.575 rounds half to even, up this time
    public void Sum_times_damage_above_the_deductible_rounded_half_to_even(double sum, double fraction, double deductible, double expected) =>
        Assert.Equal((decimal)expected, CropIndemnity.Compute(Cny((decimal)sum), fraction, (decimal)deductible).Amount);

    [Theory]
    [InlineData(double.NaN, 0.1)]
    [InlineData(-0.01, 0.1)]
    [InlineData(1.01, 0.1)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.5, -0.1)]
    public void Out_of_range_inputs_are_bugs(double fraction, double deductible) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CropIndemnity.Compute(Cny(100m), fraction, (decimal)deductible));
}

public class CropPolicyTests
{
    private static readonly Money PerMu = Money.Create(1000m, "CNY").Value;
    private static readonly Money Rate = Money.Create(30m, "CNY").Value;
    private static readonly Coverage Season = Coverage.Create(new DateOnly(2026, 4, 1), new DateOnly(2026, 9, 30)).Value;
    private static readonly CropTerms Terms = CropTerms.Create("maize", PerMu, Rate, 0.1m, Season).Value;
    private const string Evidence = "77fb1c49c1a574195d979f91ba0d88ae039d9806e038e8273dff2a5e612e3f07";

    private static MeasuredAcreage Measured(double mu, PlotQuality quality = PlotQuality.Ok) =>
        MeasuredAcreage.Create("PL1", Area.FromMu(mu).Value, quality, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), Evidence).Value;

    [Fact]
    public void Priced_on_the_measured_mu()
    {
        var policy = CropPolicy.Create("CP1", "F1", Measured(15), Terms).Value;
        Assert.Equal(15_000m, policy.SumInsured.Amount);
        Assert.Equal(450m, policy.Premium.Amount);
        Assert.Equal(4_000m * 1.5m, policy.Indemnity(0.5).Amount);
        Assert.Equal("PL1", policy.PlotId);
    }

    [Fact]
    public void Premium_scales_with_the_measured_mu() =>
        Gen.Select(Gen.Double[0.1, 50_000], Gen.Int[2, 20], Gen.Int[1, 100_000]).Sample((mu, k, rateCents) =>
        {
            var rate = Money.Create(rateCents / 100m, "CNY").Value;
            var one = CropPolicy.PerMu(rate, Area.FromMu(mu).Value).Amount;
            var many = CropPolicy.PerMu(rate, Area.FromMu(mu * k).Value).Amount;
            // Each figure is rounded to the cent once, so k of the one differ from the many by at most k/2 + 1/2 cent.
            Assert.InRange(many - k * one, -0.005m * (k + 1), 0.005m * (k + 1));
            Assert.True(many >= one);
        });

    [Fact]
    public void Rests_only_on_an_ok_measurement_large_enough_to_price()
    {
        Assert.Equal("acreage.quality", CropPolicy.Create("CP1", "F1", Measured(15, PlotQuality.NeedsClearImage), Terms).Error!.Field);
        Assert.Equal("acreage.measured", CropPolicy.Create("CP1", "F1", Measured(0.0001), Terms).Error!.Field);
        Assert.Equal("policy.farmerId", CropPolicy.Create("CP1", "", Measured(15), Terms).Error!.Field);
    }

    [Fact]
    public void Terms_name_the_bad_field()
    {
        Assert.Equal("terms.crop", CropTerms.Create(" ", PerMu, Rate, 0.1m, Season).Error!.Field);
        Assert.Equal("terms.sumInsuredPerMu", CropTerms.Create("maize", Money.Zero("CNY"), Rate, 0.1m, Season).Error!.Field);
        Assert.Equal("terms.ratePerMu", CropTerms.Create("maize", PerMu, Money.Create(30m, "EUR").Value, 0.1m, Season).Error!.Field);
        Assert.Equal("terms.deductible", CropTerms.Create("maize", PerMu, Rate, 1m, Season).Error!.Field);
        // What a stranger issued through the page: a rate of 1e9 per mu, and a deductible that pays only on a 99 % loss.
        Assert.Equal("terms.ratePerMu", CropTerms.Create("maize", PerMu, Money.Create(1_000_000_000m, "CNY").Value, 0.1m, Season).Error!.Field);
        Assert.Equal("terms.ratePerMu", CropTerms.Create("maize", PerMu, PerMu, 0.1m, Season).Error!.Field);
        Assert.Equal("terms.deductible", CropTerms.Create("maize", PerMu, Rate, 0.99m, Season).Error!.Field);
        Assert.True(CropTerms.Create("maize", PerMu, Rate, CropTerms.MaxDeductible, Season).IsOk);
    }

    [Fact]
    public void Acreage_names_the_bad_field()
    {
        var at = DateTimeOffset.UnixEpoch;
        var area = Area.FromMu(1).Value;
        Assert.Equal("acreage.plotId", MeasuredAcreage.Create("P L", area, PlotQuality.Ok, at, Evidence).Error!.Field);
        Assert.Equal("acreage.measured", MeasuredAcreage.Create("PL1", Area.FromMu(0).Value, PlotQuality.Ok, at, Evidence).Error!.Field);
        Assert.Equal("acreage.measured", MeasuredAcreage.Create("PL1", Area.FromSquareMetres(2e9).Value, PlotQuality.Ok, at, Evidence).Error!.Field);
        Assert.Equal("acreage.quality", MeasuredAcreage.Create("PL1", area, (PlotQuality)42, at, Evidence).Error!.Field);
        Assert.Equal("acreage.evidence", MeasuredAcreage.Create("PL1", area, PlotQuality.Ok, at, Evidence.ToUpperInvariant()).Error!.Field);
    }
}

public class CropClaimInputTests
{
    private const string Evidence = "f3d5d0689c4e934ab10a0f419a9bb02a4420b90f90a96dd3f619652d8c84af9a";
    private static readonly EventWindow July = EventWindow.Create(new DateOnly(2026, 7, 1), new DateOnly(2026, 7, 10)).Value;

    [Theory]
    [InlineData("", "PL1", 0, 0.5, 0.0, 0, Evidence, "assessment.policyId")]
    [InlineData("CP1", "PL 1", 0, 0.5, 0.0, 0, Evidence, "assessment.plotId")]
    [InlineData("CP1", "PL1", 99, 0.5, 0.0, 0, Evidence, "assessment.peril")]
    [InlineData("CP1", "PL1", 0, 1.5, 0.0, 0, Evidence, "assessment.damageFraction")]
    [InlineData("CP1", "PL1", 0, double.NaN, 0.0, 0, Evidence, "assessment.damageFraction")]
    [InlineData("CP1", "PL1", 0, 0.5, -0.1, 0, Evidence, "assessment.hiddenShare")]
    [InlineData("CP1", "PL1", 0, 0.5, 0.0, 99, Evidence, "assessment.quality")]
    [InlineData("CP1", "PL1", 0, 0.5, 0.0, 0, "not-a-digest", "assessment.evidence")]
    public void Assessment_names_the_bad_field(string policy, string plot, int peril, double fraction, double hidden, int quality, string evidence, string field) =>
        Assert.Equal(field, CropLossAssessment.Create(policy, plot, (Peril)peril, July, fraction, hidden, (PlotQuality)quality, evidence).Error!.Field);

    [Fact]
    public void Event_window_is_ordered_and_at_most_a_year()
    {
        Assert.Equal("eventWindow.end", EventWindow.Create(new DateOnly(2026, 7, 2), new DateOnly(2026, 7, 1)).Error!.Field);
        Assert.Contains("366", EventWindow.Create(new DateOnly(2026, 1, 1), new DateOnly(2027, 1, 2)).Error!.Reason);
        Assert.True(EventWindow.Create(new DateOnly(2026, 1, 1), new DateOnly(2027, 1, 1)).IsOk);
    }

    [Fact]
    public void Cover_contains_a_window_only_wholly()
    {
        var season = Coverage.Create(new DateOnly(2026, 4, 1), new DateOnly(2026, 7, 5)).Value;
        Assert.False(season.Contains(July));
        Assert.True(Coverage.Create(new DateOnly(2026, 7, 1), new DateOnly(2026, 7, 10)).Value.Contains(July));
    }

    [Fact]
    public void Crop_claim_key_is_sha256_of_policy_plot_peril_and_window()
    {
        Assert.Equal(Evidence, ClaimKey.ForPlotEvent("CP1", "PL1", Peril.Flood, July).Hex);
        var keys = new[]
        {
            ClaimKey.ForPlotEvent("CP1", "PL1", Peril.Flood, July),
            ClaimKey.ForPlotEvent("CP2", "PL1", Peril.Flood, July),
            ClaimKey.ForPlotEvent("CP1", "PL2", Peril.Flood, July),
            ClaimKey.ForPlotEvent("CP1", "PL1", Peril.Hail, July),
            ClaimKey.ForPlotEvent("CP1", "PL1", Peril.Flood, EventWindow.Create(new DateOnly(2026, 7, 2), new DateOnly(2026, 7, 10)).Value),
            ClaimKey.ForPlotEvent("CP1", "PL1", Peril.Flood, EventWindow.Create(new DateOnly(2026, 7, 1), new DateOnly(2026, 7, 11)).Value),
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void Livestock_claim_keys_did_not_move() =>
        Assert.Equal("77fb1c49c1a574195d979f91ba0d88ae039d9806e038e8273dff2a5e612e3f07", ClaimKey.ForAnimal("P1", "A1").Hex);

    [Fact]
    public void Wire_names_are_stable_and_parse_back()
    {
        Assert.Equal(["flood", "drought", "hail", "wind", "frost", "pest", "disease"], Enum.GetValues<Peril>().Select(p => p.Name()));
        Assert.Equal(["ok", "needs-clear-image", "all-hidden", "partly-outside-raster", "outside-raster"], Enum.GetValues<PlotQuality>().Select(q => q.Name()));
        Assert.All(Enum.GetValues<Peril>(), p => Assert.Equal(p, PerilNames.Parse(p.Name()).Value));
        Assert.All(Enum.GetValues<PlotQuality>(), q => Assert.Equal(q, PlotQualityNames.Parse(q.Name()).Value));
        var error = PerilNames.Parse("locusts", "assessment.peril").Error!;
        Assert.Equal("assessment.peril", error.Field);
        Assert.Contains("flood", error.Reason);
        Assert.Equal("quality", PlotQualityNames.Parse("").Error!.Field);
    }
}
