using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Livestock.Tests;

/// <summary>A desk on a fresh SQLite registry and ledger in a temporary folder, with <paramref name="farmers"/>
/// registered, closed and deleted after each test; the cloud's clock stands at the start of 2026, so covers in 2026
/// are not backdated.</summary>
public abstract class DeskTests(LivestockOptions options, params string[] farmers) : IAsyncLifetime
{
    private readonly TempFolder _dir = new();

    protected SqliteRegistry Registry { get; private set; } = null!;

    protected SqliteLedger Ledger { get; private set; } = null!;

    protected LivestockDesk Desk { get; private set; } = null!;

    private readonly FixedClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync()
    {
        Registry = await SqliteRegistry.OpenAsync(_dir.File("r.db"));
        Ledger = await SqliteLedger.OpenAsync(_dir.File("l.db"));
        Desk = new LivestockDesk(Registry, Ledger, options, NullLogger<LivestockDesk>.Instance, _clock);
        foreach (var farmer in farmers)
            await Registry.AddFarmerAsync(Farmer.Create("t", farmer, "Li", "Gansu").Value);
    }

    /// <summary>A desk over a registry of its own (with the same farmers) anchoring on the same ledger: what a registry
    /// restored from an old backup, or written around the rules, looks like to the ledger.</summary>
    protected async Task<(SqliteRegistry Registry, LivestockDesk Desk)> DeskOnAnotherRegistryAsync()
    {
        var registry = await SqliteRegistry.OpenAsync(_dir.File($"r-{Guid.NewGuid():N}.db"));
        foreach (var farmer in farmers)
            await registry.AddFarmerAsync(Farmer.Create("t", farmer, "Li", "Gansu").Value);
        return (registry, new LivestockDesk(registry, Ledger, options, NullLogger<LivestockDesk>.Instance, _clock));
    }

    /// <summary>The policy put in force as the contract desk does once both parties signed: its contract's hash anchored
    /// (the rule claims read) and the contract recorded. Fails the test for a policy that was not issued.</summary>
    protected async Task<LivestockPolicy> InForceAsync(Result<LivestockPolicy> issued, string tenant = "t")
    {
        Assert.True(issued.IsOk, issued.IsOk ? "" : issued.Error.ToString());
        await TestContracts.InForceAsync(Registry, Ledger, tenant, issued.Value.Id);
        return issued.Value;
    }

    public async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        await Ledger.DisposeAsync();
        _dir.Dispose();
    }
}
