using AgriInsure.Edge.Vision;
using AgriInsure.Livestock;
using Microsoft.Extensions.Options;

namespace AgriInsure.Cloud.Host;

/// <summary>The cloud's settings, section <c>Cloud</c>: bound from the built-in defaults, then
/// <c>appsettings.json</c>, environment variables (<c>Cloud__RadiusKm</c>) and command-line flags
/// (<c>--Cloud:RadiusKm=10</c>), each overriding the one before. Validated when the host starts: a bad setting
/// stops it with the setting's name (<see cref="CloudOptionsValidation"/>).</summary>
public sealed class CloudOptions
{
    public const string Section = "Cloud";

    /// <summary>The folder of the embedded engines: <c>registry.db</c>, <c>ledger.db</c> and <c>blobs/</c>
    /// (created when missing).</summary>
    public string Folder { get; set; } = "";

    /// <summary>The face model's manifest; its threshold is the floor under every search scope's threshold.</summary>
    public string Manifest { get; set; } = "";

    /// <summary>An Azure Storage connection string: photos and crops go to Azure Blob Storage (container
    /// <see cref="BlobContainer"/>) instead of the folder's <c>blobs/</c>. Empty: the local folder. It holds the account
    /// key: give it by environment variable (<c>Cloud__BlobConnectionString</c>), not on a command line others can read.</summary>
    public string BlobConnectionString { get; set; } = "";

    /// <summary>The Azure Blob Storage container (created when missing), with <see cref="BlobConnectionString"/>.</summary>
    public string BlobContainer { get; set; } = "agri-blobs";

    /// <summary>A PostgreSQL connection string (Npgsql's form): the registry lives in that database, which several cloud
    /// hosts may share, instead of the folder's <c>registry.db</c>. Empty: the folder's SQLite file. It may hold a
    /// password: give it by environment variable (<c>Cloud__RegistryConnectionString</c>).</summary>
    public string RegistryConnectionString { get; set; } = "";

    /// <summary>The ledger file (the embedded Merkle log); empty: the folder's <c>ledger.db</c>. Hosts on one machine may
    /// share one file: each append takes the file's write lock and the next index from the file. SQLite's write-ahead log
    /// needs shared memory, so hosts on several machines cannot share one file; theirs is the chain ledger's job.</summary>
    public string LedgerPath { get; set; } = "";

    /// <summary>Host name of an MQTT broker (Mosquitto, a cluster) the ingest subscribes to, over TLS with
    /// <see cref="BrokerCertificate"/>. Empty: the embedded broker on 127.0.0.1:<see cref="BrokerPort"/>.</summary>
    public string BrokerHost { get; set; } = "";

    /// <summary>TCP port of the broker: the embedded one listens there on 127.0.0.1 (0 picks a free one); an external
    /// one (<see cref="BrokerHost"/>) is reached there.</summary>
    public int BrokerPort { get; set; } = 1883;

    /// <summary>With <see cref="BrokerHost"/>: the PEM certificate the ingest logs in with (its subject CN is
    /// <c>cloud</c>, the user the broker's ACL lets read every capture), <see cref="BrokerKey"/> its PEM private key, and
    /// <see cref="BrokerCa"/> the PEM certificate of the CA that signed the broker's, the only one trusted.</summary>
    public string BrokerCertificate { get; set; } = "";

    /// <inheritdoc cref="BrokerCertificate"/>
    public string BrokerKey { get; set; } = "";

    /// <inheritdoc cref="BrokerCertificate"/>
    public string BrokerCa { get; set; } = "";

    /// <summary>With <see cref="BrokerHost"/>: the MQTT 5 shared-subscription group the ingest joins, so captures are
    /// spread over every host of the group, each delivered to one.</summary>
    public string SharedGroup { get; set; } = "agri-ingest";

    /// <summary>The ingest's MQTT client id, which names its persistent session: unique per host, and the same across its
    /// restarts so the broker hands back what it had not acknowledged.</summary>
    public string IngestClientId { get; set; } = "agri-ingest-1";

    /// <summary>Radius of the enrolment search around the capture's GPS fix, km.</summary>
    public double RadiusKm { get; set; } = LivestockOptions.DefaultRadiusKm;

    /// <summary>Share of honest enrolments a search scope may flag as duplicates (0 to 1, exclusive).</summary>
    public double TargetFalseDuplicateRate { get; set; } = LivestockOptions.DefaultTargetFalseDuplicateRate;

    /// <summary>Cosine at or above which two photos of one enrolment count as one animal; empty: the default of
    /// <see cref="LivestockOptions.DefaultConsistencyThreshold"/> (or the manifest's threshold when lower).</summary>
    public float? ConsistencyThreshold { get; set; }

    /// <summary>How long before the cloud receives a capture its device time may lie (a handheld offline), as
    /// <c>d.hh:mm:ss</c>; empty: 30 days.</summary>
    public TimeSpan? LongestOffline { get; set; }

    /// <summary>How far after the cloud's receive time a device time may lie (a clock running ahead); empty: 10 minutes.</summary>
    public TimeSpan? AllowedClockSkew { get; set; }

    /// <summary>The folder of the rasters plots are measured on, named in requests by their path inside it; empty:
    /// <c>rasters/</c> in <see cref="Folder"/> (created when missing).</summary>
    public string Rasters { get; set; } = "";

    /// <summary>The setting's name as configuration spells it: <c>Cloud:RadiusKm</c>.</summary>
    public static string Key(string property) => $"{Section}:{property}";
}

/// <summary>Checks every setting before an engine starts, and names each one at fault with its reason.</summary>
internal sealed class CloudOptionsValidation : IValidateOptions<CloudOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Folder))
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.Folder))}: is empty; give the folder for the registry, ledger and blobs");
        if (options.BrokerPort is < 0 or > 65535 || (options.BrokerPort == 0 && !string.IsNullOrWhiteSpace(options.BrokerHost)))
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.BrokerPort))}: {options.BrokerPort} is not a TCP port (1 to 65535; 0 picks a free one for the embedded broker)");
        if (!string.IsNullOrWhiteSpace(options.BrokerHost))
        {
            foreach (var (setting, path) in new[] { (nameof(CloudOptions.BrokerCertificate), options.BrokerCertificate), (nameof(CloudOptions.BrokerKey), options.BrokerKey), (nameof(CloudOptions.BrokerCa), options.BrokerCa) })
            {
                if (string.IsNullOrWhiteSpace(path))
                    failures.Add($"{CloudOptions.Key(setting)}: is empty; a broker at {CloudOptions.Key(nameof(CloudOptions.BrokerHost))} is reached over TLS with a client certificate");
                else if (!File.Exists(path))
                    failures.Add($"{CloudOptions.Key(setting)}: {path} does not exist");
            }
        }
        if (string.IsNullOrWhiteSpace(options.IngestClientId) || options.IngestClientId.Length > 64)
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.IngestClientId))}: give 1 to 64 characters, unique per host");
        if (string.IsNullOrWhiteSpace(options.Manifest))
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.Manifest))}: is empty; give the face model's manifest");
        else if (!ModelManifest.TryLoad(options.Manifest, out _, out var error))
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.Manifest))}: {error}");
        // The match threshold here is the highest valid one: the other livestock settings are checked.
        var livestock = LivestockOptions.Create(1f, options.RadiusKm, options.TargetFalseDuplicateRate, options.ConsistencyThreshold, options.LongestOffline, options.AllowedClockSkew);
        if (!livestock.IsOk)
            failures.Add($"{CloudOptions.Key(Property(livestock.Error!.Field))}: {livestock.Error.Reason}");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary><c>livestock.radiusKm</c> → <c>RadiusKm</c>.</summary>
    private static string Property(string field)
    {
        var name = field[(field.LastIndexOf('.') + 1)..];
        return char.ToUpperInvariant(name[0]) + name[1..];
    }
}
