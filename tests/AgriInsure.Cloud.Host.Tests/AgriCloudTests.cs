using AgriInsure.Cloud.Host;
using AgriInsure.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host.Tests;

public class AgriCloudTests
{
    private static Dictionary<string, string?> Settings(string folder, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = folder,
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
        };
        foreach (var (key, value) in more)
            settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task Starts_the_engines_in_one_folder_and_releases_them_when_disposed()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        await using (var cloud = await AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance))
        {
            Assert.True(cloud.Engines.Worker.Connected);
            Assert.Equal(0, (await cloud.Engines.Registry.CountsAsync("demo")).Animals);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            Assert.Equal(0, (await cloud.Engines.Ledger.HeadAsync()).Size);
        }
        Assert.True(File.Exists(CloudEngines.RegistryPath(folder)));
        // Closed: the same folder opens again in the same process.
        await using var again = await AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance);
        Assert.True(again.Engines.Worker.Connected);
    }

    [Fact]
    public async Task A_misspelt_setting_is_named_with_the_nearest_one_not_ignored()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(
            Settings(folder, ("Cloud:RadiusKn", "10"), ("Cloud:EvmKey", "0xabc"), ("Cloud:Auth:Isuer", "x"), ("Cloud:radiuskm", "5")), NullLoggerFactory.Instance));
        Assert.Contains("Cloud:RadiusKn: not a setting; did you mean Cloud:RadiusKm?", e.Failures);
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:EvmKey: not a setting", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:Auth:Isuer: not a setting; did you mean Cloud:Auth:Issuer?", StringComparison.Ordinal));
        // Configuration keys are case-insensitive: a setting in other letter case is the setting.
        Assert.DoesNotContain(e.Failures, f => f.Contains("radiuskm", StringComparison.Ordinal));
        Assert.False(Directory.Exists(folder));
        Assert.DoesNotContain(e.Failures, f => f.Contains("0xabc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Names_every_bad_setting_and_starts_nothing()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => AgriCloud.StartAsync(
            Settings(folder, ("Cloud:BrokerPort", "-1"), ("Cloud:RadiusKm", "NaN"), ("Cloud:Manifest", home.File("missing.json"))), NullLoggerFactory.Instance));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:BrokerPort:", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:RadiusKm:", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cloud:Manifest:", StringComparison.Ordinal));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_start_that_fails_after_the_stores_opened_takes_back_the_folder_it_made()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        File.WriteAllText(home.File("cloud.crt"), "not a certificate");
        File.WriteAllText(home.File("cloud.key"), "not a key");
        File.WriteAllText(home.File("ca.crt"), "not a CA");
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(folder,
            ("Cloud:BrokerHost", "127.0.0.1"), ("Cloud:BrokerPort", "8883"), ("Cloud:BrokerCertificate", home.File("cloud.crt")),
            ("Cloud:BrokerKey", home.File("cloud.key")), ("Cloud:BrokerCa", home.File("ca.crt"))), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:BrokerCertificate", e.Setting);
        // The registry, ledger and blobs were written before the login was read: none of it stays.
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_registry_written_by_a_newer_version_stops_the_start_naming_the_folder_and_is_left_unchanged()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        Directory.CreateDirectory(folder);
        var path = CloudEngines.RegistryPath(folder);
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00Z');";
            await cmd.ExecuteNonQueryAsync();
        }
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:Folder", e.Setting);
        Assert.Contains("99", e.Reason);
        // No step of this version's schema was applied to it.
        await using var after = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        await after.OpenAsync();
        await using var tables = after.CreateCommand();
        tables.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'";
        Assert.Equal("schema_version", await tables.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_folder_that_cannot_be_made_is_named_as_the_setting()
    {
        using var home = new TempFolder();
        var file = home.File("a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(Path.Combine(file, "cloud")), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:Folder", e.Setting);
    }

    [Fact]
    public async Task A_second_cloud_on_the_same_folder_is_refused_and_a_failed_start_leaves_no_folder()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        await using (var first = await AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance))
        {
            var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance));
            Assert.Equal("Cloud:Folder", e.Setting);
            Assert.True(first.Engines.Worker.Connected);
            var taken = first.Engines.Broker!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(Settings(home.File("new"), ("Cloud:BrokerPort", taken)), NullLoggerFactory.Instance));
            Assert.False(Directory.Exists(home.File("new")));
        }
        // Released with the first: the folder opens again.
        await using var again = await AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task A_taken_broker_port_is_named_as_the_setting_and_the_started_engines_are_stopped()
    {
        using var home = new TempFolder();
        await using var first = await AgriCloud.StartAsync(Settings(home.File("one")), NullLoggerFactory.Instance);
        var e = await Assert.ThrowsAsync<CloudStartException>(() => AgriCloud.StartAsync(
            Settings(home.File("two"), ("Cloud:BrokerPort", first.Engines.Broker!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))), NullLoggerFactory.Instance));
        Assert.Equal("Cloud:BrokerPort", e.Setting);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_ack_key_and_broker_secret_are_made_once_owner_only_and_kept_across_restarts()
    {
        using var home = new TempFolder();
        var folder = home.File("cloud");
        byte[] ackKey;
        string token;
        await using (var cloud = await AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance))
        {
            ackKey = cloud.Engines.Worker.AckPublicKey;
            token = cloud.Engines.Broker!.IssueToken("hh-1");
        }
        foreach (var name in new[] { "ack.key", "broker.key" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, name)));
        await using var again = await AgriCloud.StartAsync(Settings(folder), NullLoggerFactory.Instance);
        Assert.Equal(ackKey, again.Engines.Worker.AckPublicKey);
        Assert.Equal(token, again.Engines.Broker!.IssueToken("hh-1"));
        using var other = new TempFolder();
        await using var elsewhere = await AgriCloud.StartAsync(Settings(other.File("cloud")), NullLoggerFactory.Instance);
        Assert.NotEqual(ackKey, elsewhere.Engines.Worker.AckPublicKey);
    }
}
