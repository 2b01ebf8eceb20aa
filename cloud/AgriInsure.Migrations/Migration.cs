using System.Data.Common;

namespace AgriInsure.Migrations;

/// <summary>One numbered step of a store's schema. <paramref name="Version"/> is the schema version the step leads
/// to (1 for the first); <paramref name="ApplyAsync"/> runs inside the step's transaction, which it must not commit.</summary>
public sealed record Migration(int Version, string Description, Func<DbTransaction, CancellationToken, Task> ApplyAsync)
{
    /// <summary>A step that is one SQL script (several statements are fine on SQLite and PostgreSQL alike).</summary>
    public static Migration Sql(int version, string description, string sql) => new(version, description, async (tx, ct) =>
    {
        await using var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    });
}

/// <summary>The store's schema is newer than this code knows: written by a later version of the software. Opening
/// it would read or write columns the code does not understand, so it is refused, unchanged.</summary>
public sealed class SchemaTooNewException(string store, int found, int known)
    : Exception($"{store} is at schema version {found}; this version of AgriInsure knows versions up to {known}: upgrade AgriInsure to open it")
{
    public string Store { get; } = store;

    /// <summary>The store's schema version.</summary>
    public int Found { get; } = found;

    /// <summary>The newest schema version this code knows.</summary>
    public int Known { get; } = known;
}

/// <summary>What opening a store did to its schema: <see cref="From"/> the version found (0: a store
/// without a version record), <see cref="To"/> the version it is at now.</summary>
public readonly record struct SchemaUpgrade(int From, int To)
{
    public bool Upgraded => To != From;
}
