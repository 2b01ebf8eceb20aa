using System.Globalization;
using AgriInsure.Domain;

namespace AgriInsure.Registry.Postgres;

/// <summary>Signed contracts (schema version 9): one row per policy whose contract both parties signed, with the signed
/// PDF's hash, where it is kept and the ledger entry anchoring it.</summary>
public sealed partial class PostgresRegistry
{
    private const string ContractTables = """
        CREATE TABLE signed_contracts (
          tenant text COLLATE "C" NOT NULL, policy_id text COLLATE "C" NOT NULL, document_sha256 text COLLATE "C" NOT NULL,
          blob_key text COLLATE "C" NOT NULL, anchor_index bigint NOT NULL, activated_at text COLLATE "C" NOT NULL, PRIMARY KEY (tenant, policy_id));
        """;

    public async Task<bool> RecordSignedContractAsync(string tenant, SignedContract contract, CancellationToken ct = default)
    {
        var stored = false;
        await WriteAsync(async tx =>
        {
            if (await Scalar(tx, "SELECT ((SELECT COUNT(*) FROM livestock_policies WHERE tenant = @t AND id = @p) + (SELECT COUNT(*) FROM crop_policies WHERE tenant = @t AND id = @p))::int",
                    ct, ("@t", tenant), ("@p", contract.PolicyId)) == 0)
                throw new InvalidOperationException($"policy {contract.PolicyId} is not one of tenant {tenant}'s");
            await using var insert = Cmd(tx, """
                INSERT INTO signed_contracts (tenant, policy_id, document_sha256, blob_key, anchor_index, activated_at)
                VALUES (@t, @p, @d, @b, @a, @at) ON CONFLICT (tenant, policy_id) DO NOTHING
                """, ("@t", tenant), ("@p", contract.PolicyId), ("@d", contract.Document.Hex), ("@b", contract.BlobKey), ("@a", contract.AnchorIndex),
                ("@at", contract.ActivatedAt.ToString("O", CultureInfo.InvariantCulture)));
            stored = await insert.ExecuteNonQueryAsync(ct) > 0;
            if (!stored && await Scalar(tx, "SELECT COUNT(*)::int FROM signed_contracts WHERE tenant = @t AND policy_id = @p AND document_sha256 = @d",
                    ct, ("@t", tenant), ("@p", contract.PolicyId), ("@d", contract.Document.Hex)) == 0)
                throw new InvalidOperationException($"policy {contract.PolicyId} has another signed contract on record; a policy is closed once");
        }, ct);
        return stored;
    }

    public async Task<SignedContract?> FindSignedContractAsync(string tenant, string policyId, CancellationToken ct = default)
    {
        await using var cmd = Query("SELECT policy_id, document_sha256, blob_key, anchor_index, activated_at FROM signed_contracts WHERE tenant = @t AND policy_id = @p",
            [("@t", tenant), ("@p", policyId)]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? StoredRows.Contract(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), Time(r.GetString(4))) : null;
    }
}
