using System.Globalization;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using NetTopologySuite.Geometries;

namespace AgriInsure.EndToEnd.Tests;

/// <summary>A crop season end to end on the eo-learn patch: acreage measured from imagery issues a policy
/// anchored on the ledger; a loss assessed by map is paid once, and the same plot and event claimed again
/// is refused by the ledger.</summary>
public class CropSeasonTests
{
    private static string EoLearn(string file) => Path.Combine(Repo.SharedData, "imagery", "eo-learn", file);

    [Fact]
    public async Task Measured_acreage_insures_the_plot_and_a_loss_by_map_is_paid_once()
    {
        Assert.True(GdalRaster.TryOpen(EoLearn("ndvi_stack.tif"), out var stack, out var error), error?.ToString());
        Assert.True(GdalRaster.TryOpen(EoLearn("clouds_stack.tif"), out var clouds, out error), error?.ToString());
        Assert.True(PlotReader.TryRead(EoLearn("lulc.geojson"), out var plots, out var plotError), plotError?.ToString());
        using var dir = new TempFolder();
        await using var ledger = await SqliteLedger.OpenAsync(dir.File("ledger.db"));
        using (stack)
        using (clouds)
        {
            var (before, after) = (stack.BandForDate("2017-05-21"), stack.BandForDate("2017-07-20"));
            var acreage = AcreageMeasurement.Measure(stack, plots, new CellRule.BandAtLeast(before, -1), "2017-05-21",
                new MeasureOptions { Clouds = new RasterBand(clouds, before) });
            var terms = ClaimTerms.Create(0.15, Money.Create(1m, "CNY").Value, 0.1m).Value;
            var losses = ClaimByMap.Assess(new RasterBand(stack, before), new RasterBand(stack, after), plots, terms,
                new RasterBand(clouds, before), new RasterBand(clouds, after));
            // The plot of at least 5 mu, measured ok, with the largest loss assessed ok.
            var (measured, loss) = acreage.Zip(losses).Where(p => p.First.Quality == PlotQuality.Ok && p.Second.Quality == PlotQuality.Ok && p.First.MeasuredMu >= 5)
                .MaxBy(p => p.Second.DamageFraction);
            Assert.True(loss.DamageFraction > 0.1, $"plot {loss.Id}: {loss.DamageFraction}");

            var clock = new Clock(new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
            var desk = new CropDesk(ledger, NullLogger<CropDesk>.Instance, clock);
            var feature = plots.Single(p => p.Id == measured.Id);
            var ring = ((Polygon)feature.Outline.GetGeometryN(0)).ExteriorRing.Coordinates.Select(c => GeoPoint.Create(c.X, c.Y).Value).ToList();
            var plot = Plot.Create($"EO-{measured.Id}", "F-0417", ring, Area.FromSquareMetres(OverlapCheck.Area(feature.Outline)).Value).Value;
            var acres = MeasuredAcreage.Create(plot.Id, Area.FromSquareMetres(measured.MeasuredM2).Value, measured.Quality,
                new DateTimeOffset(2017, 5, 21, 10, 0, 29, TimeSpan.Zero), Digest.Of("acreage", measured.Id, measured.MeasuredM2.ToString("R", CultureInfo.InvariantCulture)).Hex).Value;
            var cover = Coverage.Create(new DateOnly(2017, 6, 1), new DateOnly(2017, 9, 30)).Value;
            var cropTerms = CropTerms.Create("maize", Money.Create(1000m, "CNY").Value, Money.Create(30m, "CNY").Value, 0.1m, cover).Value;
            var issued = await desk.IssueAsync(plot, acres, cropTerms);
            Assert.Equal(CropOutcome.Issued, issued.Outcome);
            // Premium and sum insured rest on the measured mu, not on what was declared.
            Assert.Equal(CropPolicy.PerMu(cropTerms.RatePerMu, acres.Measured), issued.Policy!.Premium);
            // In force once both parties signed its contract: its hash anchored as the contract desk anchors it.
            await ledger.AppendAsync(new LedgerRecord(SignedContract.AnchorKind, SignedContract.AnchorKey(issued.Policy.Id), Digest.Of("signed contract", issued.Policy.Id).Hex));

            clock.Now = new DateTimeOffset(2017, 7, 25, 9, 0, 0, TimeSpan.Zero);
            var window = EventWindow.Create(new DateOnly(2017, 6, 1), new DateOnly(2017, 7, 20)).Value;
            CropLossAssessment Assessment(string evidence) =>
                CropLossAssessment.Create(issued.Policy.Id, plot.Id, Peril.Drought, window, loss.DamageFraction, loss.NodataFraction + loss.InvalidFraction, loss.Quality, evidence).Value;
            var paid = await desk.ClaimAsync(issued.Policy, Assessment(Digest.Of("claim", loss.Id, "first photo set").Hex));
            Assert.Equal(CropOutcome.Accepted, paid.Outcome);
            Assert.Equal(CropIndemnity.Compute(issued.Policy.SumInsured, loss.DamageFraction, 0.1m), paid.Claim.Payout);
            var again = await desk.ClaimAsync(issued.Policy, Assessment(Digest.Of("claim", loss.Id, "a second look").Hex));
            Assert.Equal(CropOutcome.Duplicate, again.Outcome);
            Assert.True((await ledger.VerifyAsync()).IsIntact);
        }
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
