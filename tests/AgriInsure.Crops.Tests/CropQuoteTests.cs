using AgriInsure.Domain;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Crops.Tests;

/// <summary>A quote decides as an issue would, and anchors nothing.</summary>
public sealed class CropQuoteTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 15, 9, 0, 0, TimeSpan.Zero);

    private static Plot Plot() =>
        Domain.Plot.Create("PL1", "F1", [new(116.30, 39.90), new(116.31, 39.90), new(116.31, 39.91), new(116.30, 39.90)], Area.FromMu(20).Value).Value;

    private static MeasuredAcreage Acreage(PlotQuality quality = PlotQuality.Ok) =>
        MeasuredAcreage.Create("PL1", Area.FromMu(15).Value, quality, Now.AddDays(-3), Digest.Of("evidence").Hex).Value;

    private static CropTerms Terms(DateOnly start) =>
        CropTerms.Create("rice", Money.Create(800m, "CNY").Value, Money.Create(24m, "CNY").Value, 0.1m, Coverage.Create(start, start.AddDays(120)).Value).Value;

    [Fact]
    public async Task A_quote_prices_like_an_issue_refuses_like_one_and_leaves_the_ledger_as_it_was()
    {
        using var dir = new TempFolder();
        await using var ledger = await SqliteLedger.OpenAsync(dir.File("ledger.db"));
        var desk = new CropDesk(ledger, NullLogger<CropDesk>.Instance, new FixedClock(Now));
        var start = new DateOnly(2026, 4, 1);

        var quote = await desk.QuoteAsync(Plot(), Acreage(), Terms(start));
        Assert.Equal((CropOutcome.Quoted, null), (quote.Outcome, quote.LedgerEntry));
        Assert.Equal((Money.Create(12000m, "CNY").Value, Money.Create(360m, "CNY").Value), (quote.Policy!.SumInsured, quote.Policy.Premium));
        Assert.Equal(0, (await ledger.HeadAsync()).Size);
        Assert.Equal(CropOutcome.QualityNotOk, (await desk.QuoteAsync(Plot(), Acreage(PlotQuality.NeedsClearImage), Terms(start))).Outcome);
        Assert.Equal(CropOutcome.Backdated, (await desk.QuoteAsync(Plot(), Acreage(), Terms(new DateOnly(2026, 3, 1)))).Outcome);

        var issued = await desk.IssueAsync(Plot(), Acreage(), Terms(start));
        Assert.Equal((CropOutcome.Issued, quote.Policy.Premium), (issued.Outcome, issued.Policy!.Premium));
        var size = (await ledger.HeadAsync()).Size;
        // The plot's months are anchored now: a quote for them is refused as an issue would be.
        Assert.Equal(CropOutcome.AlreadyInsured, (await desk.QuoteAsync(Plot(), Acreage(), Terms(start.AddDays(30)))).Outcome);
        Assert.Equal(size, (await ledger.HeadAsync()).Size);
    }
}
