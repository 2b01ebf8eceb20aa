using System.Text;
using AgriInsure.Domain;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Tests;
using AgriInsure.Underwriting.Identity;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Underwriting.Tests;

public sealed class IdentityDeskTests : IAsyncLifetime
{
    private const string Number = "11010519491231002X";
    private readonly TempFolder _dir = new();
    private readonly LogLines _log = new();
    private SqliteRegistry? _registry;
    private IdentityDesk? _desk;

    public async Task InitializeAsync()
    {
        _registry = await SqliteRegistry.OpenAsync(_dir.File("registry.db"));
        await _registry.AddFarmerAsync(Farmer.Create("t1", "F1", "王秀英", "甘肃省定西市安定区").Value);
        await _registry.AddFarmerAsync(Farmer.Create("t1", "F2", "王秀英", "甘肃省定西市安定区").Value);
        var keys = new Dictionary<string, IdentityNumberHasher> { ["t1"] = IdentityNumberHasher.Create("t1-2026", new byte[32]).Value };
        _desk = new IdentityDesk(_registry, keys, new FixedClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(8))), _log.For<IdentityDesk>());
    }

    public async Task DisposeAsync()
    {
        await _registry!.DisposeAsync();
        _dir.Dispose();
    }

    private static IdentityCheckReport Report(string farmer, string number = Number, string? id = null) =>
        new(farmer, "agent-7", IdentityCheckMethod.IdCardChipRead, number, IdentityCheckOutcome.Passed, id);

    [Fact]
    public async Task A_check_is_stored_with_the_keyed_hash_only_and_one_person_under_two_farmer_ids_shows()
    {
        var first = (await _desk!.RecordAsync("t1", Report("F1", id: "IC-1"))).Value;
        Assert.Equal(("IC-1", "F1", "agent-7", new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero)), (first.Check.Id, first.Check.FarmerId, first.Check.AgentId, first.Check.CheckedAt));
        Assert.Empty(first.OtherFarmerIds);
        var second = (await _desk.RecordAsync("t1", Report("F2", "11010519491231002x"))).Value;
        Assert.Equal(["F1"], second.OtherFarmerIds);
        Assert.Equal(first.Check.NumberHash, second.Check.NumberHash);
        // A report retried under its id gives the check on record, written once.
        Assert.Equal(first.Check, (await _desk.RecordAsync("t1", Report("F1", id: "IC-1"))).Value.Check);
        Assert.Single(await _registry!.IdentityChecksAsync("t1", "F1"));

        await _registry.DisposeAsync();
        var file = Encoding.Latin1.GetString(File.ReadAllBytes(_dir.File("registry.db")) .Concat(File.Exists(_dir.File("registry.db-wal")) ? File.ReadAllBytes(_dir.File("registry.db-wal")) : []).ToArray());
        Assert.Contains(first.Check.NumberHash.Hex, file);
        Assert.DoesNotContain("010519491231", file);
        Assert.NotEmpty(_log.Lines);
        Assert.All(_log.Lines, line => Assert.DoesNotContain("010519491231", line));
        _registry = await SqliteRegistry.OpenAsync(_dir.File("registry.db"));
    }

    [Fact]
    public async Task Bad_reports_are_refused_with_the_field_and_nothing_stored()
    {
        Assert.Equal("identityNumber", (await _desk!.RecordAsync("t1", Report("F1", "110105194912310021"))).Error!.Field);
        Assert.Equal("farmerId", (await _desk.RecordAsync("t1", Report("F9"))).Error!.Field);
        Assert.Equal("identityKey", (await _desk.RecordAsync("t2", Report("F1"))).Error!.Field);
        Assert.Equal("check.agentId", (await _desk.RecordAsync("t1", Report("F1") with { AgentId = "" })).Error!.Field);
        Assert.Empty(await _registry!.IdentityChecksAsync("t1", "F1"));
        Assert.DoesNotContain(Number, Report("F1").ToString());
    }

    [Fact]
    public async Task A_passed_check_gives_the_certificate_subject_without_the_number()
    {
        var farmer = (await _registry!.FindFarmerAsync("t1", "F1"))!;
        var check = (await _desk!.RecordAsync("t1", Report("F1"))).Value.Check;
        var subject = CertificateSubject.ForFarmer(farmer, check).Value;
        Assert.Equal(new CertificateSubject("王秀英", "甘肃省定西市安定区", "CN", "t1", "t1/F1"), subject);
        var name = subject.ToX500();
        Assert.Equal("C=CN, L=甘肃省定西市安定区, O=t1, CN=王秀英, userId=t1/F1", name.Name);
        Assert.DoesNotContain("0105", Encoding.Latin1.GetString(name.RawData));

        var failed = (await _desk.RecordAsync("t1", Report("F2") with { Outcome = IdentityCheckOutcome.Failed })).Value.Check;
        Assert.Equal("check.outcome", CertificateSubject.ForFarmer((await _registry.FindFarmerAsync("t1", "F2"))!, failed).Error!.Field);
        Assert.Equal("check.farmerId", CertificateSubject.ForFarmer(farmer, failed).Error!.Field);
        var longName = Farmer.Create("t1", "F3", new string('王', 65), "甘肃").Value;
        Assert.Equal("farmer.name", CertificateSubject.ForFarmer(longName, IdentityCheck.Create("IC-9", "F3", "a", IdentityCheckMethod.FaceComparedWithIdPhoto, DateTimeOffset.UnixEpoch, IdentityCheckOutcome.Passed, check.NumberHash).Value).Error!.Field);
    }
}

/// <summary>Every log line written, formatted, to check that nothing personal reaches a log.</summary>
internal sealed class LogLines
{
    public List<string> Lines { get; } = [];

    public ILogger<T> For<T>() => new Logger<T>(this);

    private sealed class Logger<T>(LogLines sink) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (sink.Lines)
                sink.Lines.Add(formatter(state, exception) + " " + string.Join(" ", (state as IEnumerable<KeyValuePair<string, object?>> ?? []).Select(kv => kv.Value)));
        }
    }
}
