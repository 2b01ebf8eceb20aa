using AgriInsure.Edge.Vision;
using AgriInsure.Ledger.Evm;
using AgriInsure.Livestock;
using AgriInsure.Cloud.Host.Api;
using Microsoft.Extensions.Configuration;
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

    /// <summary>The ledger engine: <c>sqlite</c> (the embedded Merkle log, <see cref="LedgerPath"/>) or <c>evm</c> (the AgriLedger
    /// contract the insurers of a region share, at <see cref="EvmContract"/> on <see cref="EvmRpcUrl"/>, written from this
    /// insurer's account, which the consortium's owner must have admitted).</summary>
    public string Ledger { get; set; } = "sqlite";

    /// <summary>The chain node's JSON-RPC endpoint (http or https): the ledger with <see cref="Ledger"/> <c>evm</c>, or where
    /// the embedded ledger's checkpoints go with <see cref="CheckpointInterval"/>.</summary>
    public string EvmRpcUrl { get; set; } = "";

    /// <summary>The AgriLedger contract's address (0x and 40 hex digits).</summary>
    public string EvmContract { get; set; } = "";

    /// <summary>The block the contract was deployed in: its events are read from there (0: from the chain's start).</summary>
    public long EvmContractBlock { get; set; }

    /// <summary>The insurer's chain key as an encrypted keystore file (Web3 Secret Storage v3), its passphrase in the
    /// environment variable <see cref="EvmPassphraseVariable"/>. Empty: the key is read, as hex, from the environment
    /// variable <see cref="EvmKeyVariable"/>. The key itself is never a setting.</summary>
    public string EvmKeystore { get; set; } = "";

    /// <summary>The environment variable holding <see cref="EvmKeystore"/>'s passphrase.</summary>
    public string EvmPassphraseVariable { get; set; } = EvmKeys.PassphraseVariable;

    /// <summary>The environment variable holding the chain key as 64 hex digits, when no <see cref="EvmKeystore"/> is given.</summary>
    public string EvmKeyVariable { get; set; } = EvmKeys.KeyVariable;

    /// <summary>Blocks that must follow a transaction's before it counts as written (0 on a development chain).</summary>
    public int EvmConfirmations { get; set; }

    /// <summary>With the embedded ledger: how often (<c>hh:mm:ss</c>) a signed checkpoint of it (size, root, time) is
    /// published to the contract at <see cref="EvmContract"/>, when it grew, so a rewritten file is caught by
    /// <c>tools/agri ledger verify --against-chain</c>. Empty: none is published by the host.</summary>
    public TimeSpan? CheckpointInterval { get; set; }

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

    /// <summary>The key resident identity numbers are hashed under (HMAC-SHA256, <see cref="Underwriting.Identity.IdentityNumberHasher"/>),
    /// base64 of at least 32 bytes; empty: the folder's <c>identity.key</c> (made on first start, the key
    /// <c>tools/agri contracts check-identity</c> uses). A check hashed under one key never matches one under another, so
    /// keep it once checks are recorded. It is a secret: give it by environment variable (<c>Cloud__IdentityKey</c>).</summary>
    public string IdentityKey { get; set; } = "";

    /// <summary>Where clients reach this host (http or https, ending in <c>/</c>): a CA the host creates names
    /// <c>{PublicUrl}pki/ocsp</c> and <c>{PublicUrl}pki/crl</c> in every certificate it issues, and the host answers them.
    /// A CA already in the folder keeps the URLs it was made with.</summary>
    public string PublicUrl { get; set; } = "http://127.0.0.1:8080/";

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
        failures.AddRange(ValidateLedger(options));
        if (!string.IsNullOrWhiteSpace(options.IdentityKey)
            && Underwriting.Identity.IdentityNumberHasher.FromBase64(ContractServices.IdentityKeyId, options.IdentityKey).Error is { } badKey)
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.IdentityKey))}: {badKey.Reason}");
        if (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var publicUrl) || publicUrl.Scheme is not ("http" or "https")
            || !publicUrl.AbsolutePath.EndsWith('/') || publicUrl.Query.Length > 0 || publicUrl.Fragment.Length > 0)
            failures.Add($"{CloudOptions.Key(nameof(CloudOptions.PublicUrl))}: '{options.PublicUrl}' is not an http or https URL ending in / (e.g. https://agri.example.com/)");
        // The match threshold here is the highest valid one: the other livestock settings are checked.
        var livestock = LivestockOptions.Create(1f, options.RadiusKm, options.TargetFalseDuplicateRate, options.ConsistencyThreshold, options.LongestOffline, options.AllowedClockSkew);
        if (!livestock.IsOk)
            failures.Add($"{CloudOptions.Key(Property(livestock.Error!.Field))}: {livestock.Error.Reason}");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The ledger's settings: its engine, and for the chain (the ledger itself, or where checkpoints go) the node,
    /// the contract and where the key comes from.</summary>
    private static IEnumerable<string> ValidateLedger(CloudOptions o)
    {
        static string K(string property) => CloudOptions.Key(property);
        if (o.Ledger is not ("sqlite" or "evm"))
        {
            yield return $"{K(nameof(o.Ledger))}: '{o.Ledger}' is not a ledger engine; give sqlite (the embedded log) or evm (the shared chain)";
            yield break;
        }
        if (o.CheckpointInterval is { } every && (every <= TimeSpan.Zero || o.Ledger == "evm"))
            yield return every <= TimeSpan.Zero
                ? $"{K(nameof(o.CheckpointInterval))}: {every} is not a positive interval"
                : $"{K(nameof(o.CheckpointInterval))}: checkpoints are of the embedded ledger; with {K(nameof(o.Ledger))}=evm the ledger is the chain itself";
        if (o.Ledger != "evm" && o.CheckpointInterval is null)
            yield break;
        if (!Uri.TryCreate(o.EvmRpcUrl, UriKind.Absolute, out var rpc) || rpc.Scheme is not ("http" or "https"))
            yield return $"{K(nameof(o.EvmRpcUrl))}: '{o.EvmRpcUrl}' is not an http or https URL of a chain node";
        if (!(o.EvmContract.Length == 42 && o.EvmContract.StartsWith("0x", StringComparison.Ordinal) && o.EvmContract[2..].All(char.IsAsciiHexDigit)))
            yield return $"{K(nameof(o.EvmContract))}: '{o.EvmContract}' is not a contract address (0x and 40 hex digits)";
        if (o.EvmContractBlock < 0)
            yield return $"{K(nameof(o.EvmContractBlock))}: {o.EvmContractBlock} is not a block number";
        if (o.EvmConfirmations is < 0 or > 1000)
            yield return $"{K(nameof(o.EvmConfirmations))}: {o.EvmConfirmations} is not 0 to 1000 blocks";
        if (!string.IsNullOrWhiteSpace(o.EvmKeystore))
        {
            if (!File.Exists(o.EvmKeystore))
                yield return $"{K(nameof(o.EvmKeystore))}: {o.EvmKeystore} does not exist";
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(o.EvmPassphraseVariable)))
                yield return $"{K(nameof(o.EvmPassphraseVariable))}: the environment variable {o.EvmPassphraseVariable} is not set; it holds the passphrase of {K(nameof(o.EvmKeystore))}";
        }
        else if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(o.EvmKeyVariable)))
        {
            yield return $"{K(nameof(o.EvmKeyVariable))}: the environment variable {o.EvmKeyVariable} is not set; give the chain key there (64 hex digits) or an encrypted keystore in {K(nameof(o.EvmKeystore))}";
        }
    }

    /// <summary><c>livestock.radiusKm</c> → <c>RadiusKm</c>.</summary>
    private static string Property(string field)
    {
        var name = field[(field.LastIndexOf('.') + 1)..];
        return char.ToUpperInvariant(name[0]) + name[1..];
    }
}

/// <summary>Names every setting under <c>Cloud</c> (and <c>Cloud:Auth</c>) that is no setting at all, with the nearest one
/// when a letter or two is off: a misspelt setting would otherwise be ignored and its default used without a word.</summary>
internal sealed class UnknownSettingsValidation(IConfiguration configuration) : IValidateOptions<CloudOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudOptions options)
    {
        var failures = Unknown(CloudOptions.Section, typeof(CloudOptions), "Auth")
            .Concat(Unknown(AuthOptions.Section, typeof(AuthOptions))).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private IEnumerable<string> Unknown(string section, Type options, params string[] sections)
    {
        var known = options.GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Concat(sections).ToList();
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            if (known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                continue;
            var nearest = known.Where(k => !sections.Contains(k)).MinBy(k => Distance(k.ToLowerInvariant(), child.Key.ToLowerInvariant()));
            yield return nearest is not null && Distance(nearest.ToLowerInvariant(), child.Key.ToLowerInvariant()) <= 2
                ? $"{section}:{child.Key}: not a setting; did you mean {section}:{nearest}?"
                : $"{section}:{child.Key}: not a setting (the settings are in the README's table)";
        }
    }

    /// <summary>Levenshtein distance: edits (insert, delete, replace) from one to the other.</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var (diagonal, row0) = (row[0], i);
            row[0] = row0;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
