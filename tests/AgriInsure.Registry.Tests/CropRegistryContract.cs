using AgriInsure.Domain;

namespace AgriInsure.Registry.Tests;

/// <summary>The crop registry contract (<see cref="ICropRegistry"/>) as every engine must keep it, run by a subclass per
/// engine and starting point, like <see cref="RegistryContract"/>. Tenants t1 and t2 each have a farmer F1.</summary>
public abstract class CropRegistryContract : IAsyncLifetime
{
    private IRegistryStore? _store;

    protected abstract Task<IRegistryStore> MakeStoreAsync();

    // Upgrading a store with its data to version 5 is MigrationContract's (every engine, from version 1).
    public async Task InitializeAsync() => _store = await MakeStoreAsync();

    public async Task DisposeAsync() => await _store!.DisposeAsync();

    internal static readonly DateTimeOffset At = new(2027, 3, 1, 8, 30, 15, 123, TimeSpan.FromHours(8));

    private async Task<IRegistry> OpenAsync()
    {
        var registry = await _store!.OpenAsync();
        foreach (var tenant in new[] { "t1", "t2" })
            await registry.AddFarmerAsync(Farmer.Create(tenant, "F1", "Wang", "Sichuan").Value);
        return registry;
    }

    /// <summary>A square plot of side <paramref name="side"/> degrees with its south-west corner at (lon, lat), drawn
    /// with coordinates that are not round in binary.</summary>
    internal static RegisteredPlot Square(string id, double lon, double lat, double side = 0.001, string farmer = "F1") =>
        new(Plot.Create(id, farmer, [new(lon, lat), new(lon + side, lat), new(lon + side, lat + side * 1.1), new(lon, lat + side * 1.1), new(lon, lat)],
            Area.FromMu(12.3).Value).Value, "agent-1", At);

    internal static AcreageRecord Measurement(string id, string plotId, DateOnly acquired, PlotQuality quality = PlotQuality.Ok, int minutes = 0, double m2 = 8123.456789) =>
        new(id, plotId, "eo/ndvi.tif", acquired, "band 1 ≥ 0.5", Area.FromSquareMetres(9000.1).Value, Area.FromSquareMetres(m2).Value, 0.9995, 0.013,
            quality, quality == PlotQuality.Ok ? "" : "hidden", Digest.Of("evidence", id).Hex, "uw-1", At.AddMinutes(minutes));

    internal static StoredCropPolicy Policy(string id, AcreageRecord m, DateOnly start, DateOnly end, string farmer = "F1")
    {
        var terms = CropTerms.Create("maize", Money.Create(1000m, "CNY").Value, Money.Create(30.5m, "CNY").Value, 0.15m, Coverage.Create(start, end).Value).Value;
        return new StoredCropPolicy(CropPolicy.Create(id, farmer, m.Acreage().Value, terms).Value, m.Id, 42, "uw-1", At);
    }

    internal static readonly DateOnly May = new(2027, 5, 1), Sep = new(2027, 9, 30);

    internal static Func<RegisteredPlot, bool> Never => _ => false;

    internal static async Task<ICropRegistry> Insured(IRegistry registry, string tenant, RegisteredPlot plot, string policyId, DateOnly start, DateOnly end)
    {
        var crops = (ICropRegistry)registry;
        Assert.Null(await crops.AddPlotAsync(tenant, plot));
        var m = Measurement($"M-{policyId}", plot.Plot.Id, new DateOnly(2027, 4, 20));
        await crops.AddMeasurementAsync(tenant, m);
        Assert.Null(await crops.AddCropPolicyAsync(tenant, Policy(policyId, m, start, end), Never));
        return crops;
    }

    [Fact]
    public async Task A_plot_reads_back_exactly_after_reopening_and_only_for_its_tenant()
    {
        var plot = Square("PL-1", 103.123456789012, 30.987654321098);
        await using (var registry = await OpenAsync())
            Assert.Null(await ((ICropRegistry)registry).AddPlotAsync("t1", plot));
        await using var reopened = await OpenAsync();
        var crops = (ICropRegistry)reopened;
        var read = (await crops.FindPlotAsync("t1", "PL-1"))!;
        Assert.Equal(plot.Plot.Outline, read.Plot.Outline);
        Assert.Equal((plot.Plot.FarmerId, plot.Plot.DeclaredArea, plot.RegisteredBy, plot.RegisteredAt), (read.Plot.FarmerId, read.Plot.DeclaredArea, read.RegisteredBy, read.RegisteredAt));
        Assert.Equal(plot.Bounds, read.Bounds);
        Assert.Null(await crops.FindPlotAsync("t2", "PL-1"));
        Assert.Equal(0, (await crops.PlotsAsync("t2", null, Page.All)).Total);
    }

    [Fact]
    public async Task A_plot_of_a_farmer_the_tenant_does_not_have_or_with_a_taken_id_is_refused_and_nothing_is_written()
    {
        await using var registry = await OpenAsync();
        var crops = (ICropRegistry)registry;
        Assert.Equal("farmerId", (await crops.AddPlotAsync("t1", Square("PL-1", 103, 30, farmer: "F9")))?.Field);
        Assert.Null(await crops.AddPlotAsync("t1", Square("PL-1", 103, 30)));
        // Ids are unique in the whole store: the ledger's cover keys name them.
        Assert.Equal("id", (await crops.AddPlotAsync("t2", Square("PL-1", 104, 31)))?.Field);
        Assert.Null(await crops.FindPlotAsync("t2", "PL-1"));
        Assert.Equal(1, (await crops.PlotsAsync("t1", null, Page.All)).Total);
    }

    [Fact]
    public async Task Plots_are_listed_by_id_in_pages_and_by_farmer()
    {
        await using var registry = await OpenAsync();
        var crops = (ICropRegistry)registry;
        await registry.AddFarmerAsync(Farmer.Create("t1", "F2", "Li", "Gansu").Value);
        foreach (var (id, farmer) in new[] { ("PL-3", "F1"), ("PL-1", "F2"), ("PL-2", "F1") })
            Assert.Null(await crops.AddPlotAsync("t1", Square(id, 103, 30, farmer: farmer)));
        var page = await crops.PlotsAsync("t1", null, Page.Create(1, 1).Value);
        Assert.Equal((3, 1, "PL-2"), (page.Total, page.Offset, page.Items.Single().Plot.Id));
        Assert.Equal(["PL-2", "PL-3"], (await crops.PlotsAsync("t1", "F1", Page.All)).Items.Select(p => p.Plot.Id));
    }

    [Fact]
    public async Task Plots_meeting_a_box_are_the_tenants_own_by_id_in_pages_each_with_its_latest_measurement()
    {
        await using var registry = await OpenAsync();
        var crops = (ICropRegistry)registry;
        // PL-1 inside the box, PL-2 touching its east edge, PL-3 east of it; t2's PL-4 inside it.
        foreach (var (id, lon) in new[] { ("PL-3", 103.02), ("PL-1", 103.0), ("PL-2", 103.01) })
            Assert.Null(await crops.AddPlotAsync("t1", Square(id, lon, 30)));
        Assert.Null(await crops.AddPlotAsync("t2", Square("PL-4", 103.0005, 30)));
        var cloudy = Measurement("M-2", "PL-1", new DateOnly(2027, 5, 2), PlotQuality.NeedsClearImage);
        foreach (var m in new[] { Measurement("M-1", "PL-1", new DateOnly(2027, 4, 20)), cloudy })
            await crops.AddMeasurementAsync("t1", m);
        var box = new PlotBounds(102.99, 29.99, 103.01, 30.01);
        var all = await crops.PlotsMeetingAsync("t1", box, Page.All);
        Assert.Equal(["PL-1", "PL-2"], all.Items.Select(p => p.Plot.Plot.Id));
        Assert.Equal(2, all.Total);
        Assert.Equal(cloudy, all.Items[0].Latest);
        Assert.Null(all.Items[1].Latest);
        var second = await crops.PlotsMeetingAsync("t1", box, Page.Create(1, 1).Value);
        Assert.Equal((2, 1, "PL-2"), (second.Total, second.Offset, second.Items.Single().Plot.Plot.Id));
        Assert.Equal(["PL-4"], (await crops.PlotsMeetingAsync("t2", box, Page.All)).Items.Select(p => p.Plot.Plot.Id));
        Assert.Equal(0, (await crops.PlotsMeetingAsync("t1", new PlotBounds(104, 31, 105, 32), Page.All)).Total);
    }

    [Fact]
    public async Task Every_measurement_is_kept_latest_first_and_the_latest_ok_one_is_found_past_a_later_cloudy_one()
    {
        await using var registry = await OpenAsync();
        var crops = (ICropRegistry)registry;
        Assert.Null(await crops.AddPlotAsync("t1", Square("PL-1", 103, 30)));
        var april = Measurement("M-1", "PL-1", new DateOnly(2027, 4, 20));
        var remeasured = Measurement("M-2", "PL-1", new DateOnly(2027, 4, 20), minutes: 5, m2: 8200);
        var cloudy = Measurement("M-3", "PL-1", new DateOnly(2027, 5, 2), PlotQuality.NeedsClearImage);
        var march = Measurement("M-4", "PL-1", new DateOnly(2027, 3, 1), minutes: 60);
        foreach (var m in new[] { april, remeasured, cloudy, march })
            await crops.AddMeasurementAsync("t1", m);
        var all = await crops.MeasurementsAsync("t1", "PL-1", Page.All);
        Assert.Equal(["M-3", "M-2", "M-1", "M-4"], all.Items.Select(m => m.Id));
        Assert.Equal(remeasured, (await crops.LatestOkMeasurementAsync("t1", "PL-1"))!);
        Assert.Equal(cloudy, await crops.FindMeasurementAsync("t1", "M-3"));
        Assert.Equal(remeasured.Acreage().Value.Evidence, (await crops.FindMeasurementAsync("t1", "M-2"))!.Acreage().Value.Evidence);
        Assert.Null(await crops.FindMeasurementAsync("t2", "M-1"));
        Assert.Null(await crops.LatestOkMeasurementAsync("t2", "PL-1"));
        Assert.Equal(0, (await crops.MeasurementsAsync("t2", "PL-1", Page.All)).Total);
        await Assert.ThrowsAsync<InvalidOperationException>(() => crops.AddMeasurementAsync("t2", Measurement("M-5", "PL-1", May)));
        Assert.Equal(4, (await crops.MeasurementsAsync("t1", "PL-1", Page.All)).Total);
    }

    [Fact]
    public async Task A_crop_policy_reads_back_as_issued_with_its_priced_measurement_after_reopening()
    {
        StoredCropPolicy issued;
        await using (var registry = await OpenAsync())
        {
            var crops = await Insured(registry, "t1", Square("PL-1", 103, 30), "CP-1", May, Sep);
            issued = (await crops.FindCropPolicyAsync("t1", "CP-1"))!;
        }
        await using var reopened = await OpenAsync();
        var read = (await ((ICropRegistry)reopened).FindCropPolicyAsync("t1", "CP-1"))!;
        var p = read.Policy;
        Assert.Equal((issued.MeasurementId, issued.LedgerIndex, issued.IssuedBy, issued.IssuedAt), (read.MeasurementId, read.LedgerIndex, read.IssuedBy, read.IssuedAt));
        Assert.Equal(("F1", "PL-1", "maize", 0.15m, new Coverage(May, Sep)), (p.FarmerId, p.PlotId, p.Terms.Crop, p.Terms.Deductible, p.Coverage));
        // Priced on the measured mu: 8123.456789 m² = 12.185 mu.
        Assert.Equal((Money.Create(12185.19m, "CNY").Value, Money.Create(371.65m, "CNY").Value), (p.SumInsured, p.Premium));
        Assert.Equal((8123.456789, At), (p.Acreage.Measured.SquareMetres, p.Acreage.MeasuredAt));
        Assert.Null(await ((ICropRegistry)reopened).FindCropPolicyAsync("t2", "CP-1"));
        Assert.Equal(["CP-1"], (await ((ICropRegistry)reopened).CropPoliciesAsync("t1", "PL-1", Page.All)).Items.Select(c => c.Policy.Id));
        Assert.Equal(0, (await ((ICropRegistry)reopened).CropPoliciesAsync("t1", "PL-9", Page.All)).Total);
    }

    [Fact]
    public async Task A_second_cover_of_the_same_plot_on_any_shared_day_is_refused_whole_and_a_later_one_is_stored()
    {
        await using var registry = await OpenAsync();
        var crops = await Insured(registry, "t1", Square("PL-1", 103, 30), "CP-1", May, Sep);
        var m = (await crops.LatestOkMeasurementAsync("t1", "PL-1"))!;
        var conflict = await crops.AddCropPolicyAsync("t1", Policy("CP-2", m, Sep, Sep.AddDays(30)), Never);
        Assert.Equal(("CP-1", true), (conflict?.Insured.Policy.Policy.Id, conflict?.SamePlot));
        Assert.Null(await crops.FindCropPolicyAsync("t1", "CP-2"));
        Assert.Null(await crops.AddCropPolicyAsync("t1", Policy("CP-3", m, Sep.AddDays(1), Sep.AddDays(30)), Never));
    }

    [Fact]
    public async Task Land_the_caller_finds_overlapping_is_refused_and_only_insured_plots_whose_boxes_meet_are_asked()
    {
        await using var registry = await OpenAsync();
        var crops = await Insured(registry, "t1", Square("PL-A", 103, 30), "CP-A", May, Sep);
        await Insured(registry, "t1", Square("PL-far", 104, 31), "CP-far", May, Sep);
        await Insured(registry, "t2", Square("PL-other", 103.0005, 30.0005), "CP-other", May, Sep);
        var neighbour = Square("PL-B", 103.0008, 30.0008);
        Assert.Null(await crops.AddPlotAsync("t1", neighbour));
        var m = Measurement("M-B", "PL-B", May.AddDays(-3));
        await crops.AddMeasurementAsync("t1", m);

        var asked = new List<string>();
        var conflict = await crops.AddCropPolicyAsync("t1", Policy("CP-B", m, May, Sep), p => { asked.Add(p.Plot.Id); return true; });
        Assert.Equal(["PL-A"], asked);
        Assert.Equal(("CP-A", false), (conflict?.Insured.Policy.Policy.Id, conflict?.SamePlot));
        Assert.Null(await crops.FindCropPolicyAsync("t1", "CP-B"));
        Assert.Null(await crops.AddCropPolicyAsync("t1", Policy("CP-B", m, May, Sep), Never));
    }

    [Fact]
    public async Task Insured_plots_meeting_a_box_are_the_tenants_own_with_cover_on_a_shared_day()
    {
        await using var registry = await OpenAsync();
        var crops = await Insured(registry, "t1", Square("PL-A", 103, 30), "CP-A", May, Sep);
        await Insured(registry, "t1", Square("PL-far", 104, 31), "CP-far", May, Sep);
        await Insured(registry, "t2", Square("PL-other", 103, 30.0005), "CP-other", May, Sep);
        var box = Square("PL-x", 103.0005, 30.0005).Bounds;
        Assert.Equal(["CP-A"], (await crops.InsuredPlotsMeetingAsync("t1", box, new Coverage(Sep, Sep))).Select(i => i.Policy.Policy.Id));
        Assert.Empty(await crops.InsuredPlotsMeetingAsync("t1", box, new Coverage(Sep.AddDays(1), Sep.AddDays(9))));
        Assert.Equal(["PL-other"], (await crops.InsuredPlotsMeetingAsync("t2", box, new Coverage(May, May))).Select(i => i.Plot.Plot.Id));
    }

    [Fact]
    public async Task Of_two_registries_racing_to_insure_one_plot_exactly_one_stores_its_policy()
    {
        await using var first = await OpenAsync();
        var crops = (ICropRegistry)first;
        Assert.Null(await crops.AddPlotAsync("t1", Square("PL-1", 103, 30)));
        var m = Measurement("M-1", "PL-1", new DateOnly(2027, 4, 20));
        await crops.AddMeasurementAsync("t1", m);
        await using var second = await _store!.OpenAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            ((ICropRegistry)(i % 2 == 0 ? first : second)).AddCropPolicyAsync("t1", Policy($"CP-{i}", m, May, Sep), Never)));
        Assert.Single(results, r => r is null);
        Assert.Equal(1, (await crops.CropPoliciesAsync("t1", "PL-1", Page.All)).Total);
    }

    [Fact]
    public async Task A_policy_on_another_tenants_plot_or_measurement_is_an_error_and_writes_nothing()
    {
        await using var registry = await OpenAsync();
        var crops = await Insured(registry, "t1", Square("PL-A", 103, 30), "CP-A", May, Sep);
        Assert.Null(await crops.AddPlotAsync("t2", Square("PL-B", 105, 30)));
        var theirs = (await crops.LatestOkMeasurementAsync("t1", "PL-A"))!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => crops.AddCropPolicyAsync("t2", Policy("CP-X", theirs, Sep.AddDays(1), Sep.AddDays(9)), Never));
        await Assert.ThrowsAsync<InvalidOperationException>(() => crops.AddCropPolicyAsync("t2", Policy("CP-Y", theirs with { PlotId = "PL-B" }, Sep.AddDays(1), Sep.AddDays(9)), Never));
        Assert.Equal(0, (await crops.CropPoliciesAsync("t2", null, Page.All)).Total);
    }
}

public sealed class SqliteCropRegistryContract : CropRegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => Task.FromResult<IRegistryStore>(new SqliteStore());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCropRegistryContract(PostgresServer server) : CropRegistryContract
{
    protected override Task<IRegistryStore> MakeStoreAsync() => PostgresStore.MakeAsync(server, GetType());
}
