using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AgriInsure.Migrations;

/// <summary>Brings a store's schema to the newest of its numbered migrations. The applied versions are rows of
/// <c>schema_version</c> (version, description, applied_at as ISO 8601 UTC); each migration runs in a transaction of its
/// own with its row, so a store is always at one whole version, and a step that fails leaves it at the one before.</summary>
public static class SchemaMigrator
{
    /// <summary>Applies the migrations after the store's version, in order, each in one transaction that
    /// <paramref name="beginExclusive"/> opens holding the store's write lock (two processes opening one store at once
    /// apply each step once). <paramref name="migrations"/> must be numbered 1, 2, … in order. Errors:
    /// <see cref="SchemaTooNewException"/> when the store is at a version after the last migration (nothing changed);
    /// the failing step's exception when one fails (the store stays at the version before it).</summary>
    public static async Task<SchemaUpgrade> MigrateAsync(
        DbConnection db, IReadOnlyList<Migration> migrations, Func<DbConnection, CancellationToken, Task<DbTransaction>> beginExclusive,
        string store, ILogger? logger = null, CancellationToken ct = default)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new ArgumentException($"migration {i} of {store} is numbered {migrations[i].Version}, not {i + 1}", nameof(migrations));
        }
        int? from = null;
        while (true)
        {
            await using var tx = await beginExclusive(db, ct);
            await ExecAsync(tx, ct, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
            var current = Convert.ToInt32(await ScalarAsync(tx, ct, "SELECT COALESCE(MAX(version), 0) FROM schema_version"), CultureInfo.InvariantCulture);
            from ??= current;
            if (current > migrations.Count)
                throw new SchemaTooNewException(store, current, migrations.Count);
            if (current == migrations.Count)
            {
                await tx.CommitAsync(ct);
                return new SchemaUpgrade(from.Value, current);
            }
            var step = migrations[current];
            await step.ApplyAsync(tx, ct);
            await ExecAsync(tx, ct, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @t)",
                ("@v", step.Version), ("@d", step.Description), ("@t", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
            await tx.CommitAsync(ct);
            logger?.LogInformation("{Store}: schema upgraded from version {From} to {To} ({Description})", store, current, step.Version, step.Description);
        }
    }

    private static async Task ExecAsync(DbTransaction tx, CancellationToken ct, string sql, params (string Name, object Value)[] args)
    {
        await using var cmd = Command(tx, sql, args);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(DbTransaction tx, CancellationToken ct, string sql)
    {
        await using var cmd = Command(tx, sql, []);
        return await cmd.ExecuteScalarAsync(ct);
    }

    private static DbCommand Command(DbTransaction tx, string sql, (string Name, object Value)[] args)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
