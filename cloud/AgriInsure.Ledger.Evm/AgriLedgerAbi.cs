using System.Numerics;
using System.Reflection;
using System.Text.Json;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace AgriInsure.Ledger.Evm;

/// <summary>The AgriLedger contract as compiled from Contracts/AgriLedger.sol by tools/contracts/build.mjs (solc-js, EVM
/// "paris"), embedded in this assembly: its ABI and creation bytecode, and the typed messages and events this engine
/// sends and reads (their signatures must match the ABI; the Solidity tests call each of them).</summary>
public static class AgriLedgerContract
{
    private static readonly Lazy<(string Abi, string Bytecode, string Compiler)> Artifact = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("AgriLedger.json")
            ?? throw new InvalidOperationException("AgriLedger.json is not embedded in AgriInsure.Ledger.Evm");
        using var json = JsonDocument.Parse(stream);
        var root = json.RootElement;
        return (root.GetProperty("abi").GetRawText(), root.GetProperty("bytecode").GetString()!, root.GetProperty("compiler").GetString()!);
    });

    /// <summary>The contract's ABI, as JSON.</summary>
    public static string Abi => Artifact.Value.Abi;

    /// <summary>The creation bytecode, 0x-prefixed hex.</summary>
    public static string Bytecode => Artifact.Value.Bytecode;

    /// <summary>The compiler that produced the bytecode ("solc 0.8.37+commit…").</summary>
    public static string Compiler => Artifact.Value.Compiler;

    /// <summary>The role the consortium's owner grants insurers: keccak256("AGRI_INSURER").</summary>
    public static byte[] InsurerRole { get; } = Nethereum.Util.Sha3Keccack.Current.CalculateHash("AGRI_INSURER"u8.ToArray());
}

/// <summary>The constructor: the consortium's owner, who admits and removes insurers.</summary>
public sealed class AgriLedgerDeployment() : ContractDeploymentMessage(AgriLedgerContract.Bytecode)
{
    [Parameter("address", "owner", 1)]
    public string Owner { get; set; } = "";
}

[Function("anchor")]
public sealed class AnchorFunction : FunctionMessage
{
    [Parameter("bytes32", "key", 1)]
    public byte[] Key { get; set; } = [];

    [Parameter("bytes32", "kind", 2)]
    public byte[] Kind { get; set; } = [];

    [Parameter("bytes32", "payloadHash", 3)]
    public byte[] PayloadHash { get; set; } = [];
}

[Function("registerClaim")]
public sealed class RegisterClaimFunction : FunctionMessage
{
    [Parameter("bytes32", "claimKey", 1)]
    public byte[] ClaimKey { get; set; } = [];

    [Parameter("bytes32", "policyId", 2)]
    public byte[] PolicyId { get; set; } = [];

    [Parameter("bytes32", "evidenceHash", 3)]
    public byte[] EvidenceHash { get; set; } = [];
}

[Function("anchorPolicy")]
public sealed class AnchorPolicyFunction : FunctionMessage
{
    [Parameter("bytes32", "policyId", 1)]
    public byte[] PolicyId { get; set; } = [];

    [Parameter("bytes32", "documentHash", 2)]
    public byte[] DocumentHash { get; set; } = [];

    /// <summary>Unix days.</summary>
    [Parameter("uint64", "coverStart", 3)]
    public ulong CoverStart { get; set; }

    /// <summary>Unix days.</summary>
    [Parameter("uint64", "coverEnd", 4)]
    public ulong CoverEnd { get; set; }

    [Parameter("bytes32", "subjectKey", 5)]
    public byte[] SubjectKey { get; set; } = [];
}

/// <summary>The kinds of an animal's life event, numbered as the contract's <c>LifeEvent</c> enum.</summary>
public enum LifeEventKind
{
    Enrolment,
    EarTag,
    Vaccination,
    Movement,
    Sale,
    CensusSeen,
    CensusNotSeen,
    Death,
}

[Function("recordLifeEvent")]
public sealed class RecordLifeEventFunction : FunctionMessage
{
    [Parameter("bytes32", "animalId", 1)]
    public byte[] AnimalId { get; set; } = [];

    [Parameter("uint8", "kind", 2)]
    public byte Kind { get; set; }

    [Parameter("bytes32", "eventHash", 3)]
    public byte[] EventHash { get; set; } = [];

    /// <summary>Unix seconds.</summary>
    [Parameter("uint64", "happenedAt", 4)]
    public ulong HappenedAt { get; set; }
}

[Function("publishCheckpoint")]
public sealed class PublishCheckpointFunction : FunctionMessage
{
    [Parameter("uint64", "treeSize", 1)]
    public ulong TreeSize { get; set; }

    [Parameter("bytes32", "root", 2)]
    public byte[] Root { get; set; } = [];

    [Parameter("uint64", "time", 3)]
    public ulong Time { get; set; }

    [Parameter("bytes", "signature", 4)]
    public byte[] Signature { get; set; } = [];
}

[Function("admitInsurer")]
public sealed class AdmitInsurerFunction : FunctionMessage
{
    [Parameter("address", "insurer", 1)]
    public string Insurer { get; set; } = "";
}

[Function("removeInsurer")]
public sealed class RemoveInsurerFunction : FunctionMessage
{
    [Parameter("address", "insurer", 1)]
    public string Insurer { get; set; } = "";
}

[Function("hasRole", "bool")]
public sealed class HasRoleFunction : FunctionMessage
{
    [Parameter("bytes32", "role", 1)]
    public byte[] Role { get; set; } = [];

    [Parameter("address", "account", 2)]
    public string Account { get; set; } = "";
}

[Function("entry", typeof(EntryOutput))]
public sealed class EntryFunction : FunctionMessage
{
    [Parameter("bytes32", "key", 1)]
    public byte[] Key { get; set; } = [];
}

/// <summary>One anchored record as the contract stores it; <see cref="Insurer"/> is the zero address when none is.</summary>
public sealed class AnchorData
{
    [Parameter("bytes32", "kind", 1)]
    public byte[] Kind { get; set; } = [];

    [Parameter("bytes32", "payloadHash", 2)]
    public byte[] PayloadHash { get; set; } = [];

    [Parameter("address", "insurer", 3)]
    public string Insurer { get; set; } = "";

    [Parameter("uint48", "index", 4)]
    public BigInteger Index { get; set; }

    /// <summary>The block's time, Unix seconds.</summary>
    [Parameter("uint48", "time", 5)]
    public BigInteger Time { get; set; }
}

[FunctionOutput]
public sealed class EntryOutput : IFunctionOutputDTO
{
    [Parameter("tuple", "", 1)]
    public AnchorData Value { get; set; } = new();
}

[Function("claim", typeof(ClaimOutput))]
public sealed class ClaimFunction : FunctionMessage
{
    [Parameter("bytes32", "claimKey", 1)]
    public byte[] ClaimKey { get; set; } = [];
}

public sealed class ClaimData
{
    [Parameter("address", "insurer", 1)]
    public string Insurer { get; set; } = "";

    [Parameter("bytes32", "policyId", 2)]
    public byte[] PolicyId { get; set; } = [];

    [Parameter("bytes32", "evidenceHash", 3)]
    public byte[] EvidenceHash { get; set; } = [];

    [Parameter("uint64", "registeredAt", 4)]
    public ulong RegisteredAt { get; set; }
}

[FunctionOutput]
public sealed class ClaimOutput : IFunctionOutputDTO
{
    [Parameter("tuple", "", 1)]
    public ClaimData Value { get; set; } = new();
}

[Function("size", "uint48")]
public sealed class SizeFunction : FunctionMessage;

[Function("logHead", "bytes32")]
public sealed class LogHeadFunction : FunctionMessage;

[Function("lifeHead", "bytes32")]
public sealed class LifeHeadFunction : FunctionMessage
{
    [Parameter("bytes32", "animalId", 1)]
    public byte[] AnimalId { get; set; } = [];
}

[Function("lifeEvents", "uint64")]
public sealed class LifeEventsFunction : FunctionMessage
{
    [Parameter("bytes32", "animalId", 1)]
    public byte[] AnimalId { get; set; } = [];
}

[Function("lastCheckpoint", typeof(CheckpointOutput))]
public sealed class LastCheckpointFunction : FunctionMessage
{
    [Parameter("address", "insurer", 1)]
    public string Insurer { get; set; } = "";
}

[FunctionOutput]
public sealed class CheckpointOutput : IFunctionOutputDTO
{
    [Parameter("uint64", "treeSize", 1)]
    public ulong TreeSize { get; set; }

    [Parameter("bytes32", "root", 2)]
    public byte[] Root { get; set; } = [];

    [Parameter("uint64", "time", 3)]
    public ulong Time { get; set; }
}

[Event("Anchored")]
public sealed class AnchoredEvent : IEventDTO
{
    [Parameter("bytes32", "key", 1, true)]
    public byte[] Key { get; set; } = [];

    [Parameter("bytes32", "kind", 2, true)]
    public byte[] Kind { get; set; } = [];

    [Parameter("bytes32", "payloadHash", 3, false)]
    public byte[] PayloadHash { get; set; } = [];

    [Parameter("uint48", "index", 4, false)]
    public BigInteger Index { get; set; }

    [Parameter("uint48", "time", 5, false)]
    public BigInteger Time { get; set; }

    [Parameter("address", "insurer", 6, true)]
    public string Insurer { get; set; } = "";
}

/// <summary>A signed checkpoint of an insurer's embedded log (<see cref="SignedCheckpoint"/>).</summary>
[Event("CheckpointPublished")]
public sealed class CheckpointPublishedEvent : IEventDTO
{
    [Parameter("address", "insurer", 1, true)]
    public string Insurer { get; set; } = "";

    [Parameter("uint64", "treeSize", 2, false)]
    public ulong TreeSize { get; set; }

    [Parameter("bytes32", "root", 3, false)]
    public byte[] Root { get; set; } = [];

    /// <summary>Unix seconds.</summary>
    [Parameter("uint64", "time", 4, false)]
    public ulong Time { get; set; }

    [Parameter("bytes", "signature", 5, false)]
    public byte[] Signature { get; set; } = [];
}

[Event("LifeEventRecorded")]
public sealed class LifeEventRecordedEvent : IEventDTO
{
    [Parameter("bytes32", "animalId", 1, true)]
    public byte[] AnimalId { get; set; } = [];

    [Parameter("uint8", "kind", 2, false)]
    public byte Kind { get; set; }

    [Parameter("bytes32", "eventHash", 3, false)]
    public byte[] EventHash { get; set; } = [];

    [Parameter("uint64", "happenedAt", 4, false)]
    public ulong HappenedAt { get; set; }

    [Parameter("uint64", "index", 5, false)]
    public ulong Index { get; set; }

    [Parameter("address", "insurer", 6, true)]
    public string Insurer { get; set; } = "";
}

/// <summary>OpenZeppelin AccessControl's error for a caller without the role a function needs.</summary>
[Error("AccessControlUnauthorizedAccount")]
public sealed class AccessControlUnauthorizedAccountError
{
    [Parameter("address", "account", 1)]
    public string Account { get; set; } = "";

    [Parameter("bytes32", "neededRole", 2)]
    public byte[] NeededRole { get; set; } = [];
}
