namespace AgriInsure.Tests;

/// <summary>Policies put in force in tests of the rules that read it (claims), as the contract desk leaves them once both
/// parties signed: the contract's hash anchored under <see cref="AgriInsure.Domain.SignedContract.AnchorKey"/> and the
/// contract recorded. The PDF itself is not made here: the contract desk's own tests sign and verify real ones.</summary>
internal static class TestContracts
{
    public static async Task InForceAsync(AgriInsure.Registry.IRegistry registry, AgriInsure.Ledger.ILedger ledger, string tenant, string policyId)
    {
        var document = AgriInsure.Domain.Digest.Of("signed contract", tenant, policyId);
        var anchored = await ledger.AppendAsync(new AgriInsure.Ledger.LedgerRecord(AgriInsure.Domain.SignedContract.AnchorKind,
            AgriInsure.Domain.SignedContract.AnchorKey(policyId), document.Hex));
        await registry.RecordSignedContractAsync(tenant, AgriInsure.Domain.SignedContract.Create(policyId, document, "sha256/" + document.Hex,
            anchored.Entry.Index, DateTimeOffset.UtcNow).Value);
    }
}
