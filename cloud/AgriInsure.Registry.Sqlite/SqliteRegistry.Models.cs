using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Registry.Index;
using Microsoft.Data.Sqlite;

namespace AgriInsure.Registry.Sqlite;

/// <summary>What a registry keeps for the model that learns from it: labelled crops to train on, and the
/// switch of every template to a promoted model.</summary>
public sealed partial class SqliteRegistry
{
    public async Task<IReadOnlyList<LabelledAnimal>> LabelledAnimalsAsync(Species species, CancellationToken ct = default)
    {
        var animals = new Dictionary<string, (LabelledAnimal Animal, List<LabelledCrop> Crops)>(StringComparer.Ordinal);
        var order = new List<string>();
        // An animal's templates are its enrolling capture's photos (a new-animal verdict enrols from the flagged
        // capture), one crop each; a duplicate confirmed by a reviewer is one more capture of the animal it matched,
        // and each of its photos is a labelled crop. Template rows come first, so they name the animal's model.
        await using var cmd = Query("""
            SELECT a.id, a.farmer_id, a.ear_tag, t.model_id, t.capture_id, t.ordinal, t.crop_key, 0 AS source, a.rowid AS animal_order, '' AS received_at
            FROM animals a JOIN templates t ON t.animal_id = a.id WHERE a.species = $s
            UNION ALL
            SELECT a.id, a.farmer_id, a.ear_tag, NULL, c.capture_id, p.ordinal, p.crop_key, 1, a.rowid, c.received_at
            FROM review_decisions r JOIN captures c ON c.capture_id = r.capture_id JOIN capture_photos p ON p.capture_id = c.capture_id
            JOIN animals a ON a.id = c.animal_id
            WHERE r.verdict = $dup AND a.species = $s
            ORDER BY animal_order, source, received_at, capture_id, ordinal
            """, ("$s", species.ToString()), ("$dup", ReviewVerdict.Duplicate.Name()));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var id = r.GetString(0);
            if (!animals.TryGetValue(id, out var entry))
            {
                entry = (new LabelledAnimal(id, r.GetString(1), Text(r, 2), r.GetString(3), []), []);
                animals[id] = entry;
                order.Add(id);
            }
            entry.Crops.Add(new LabelledCrop(r.GetString(4), r.GetInt32(5), r.GetString(6), r.GetInt32(7) == 0 ? LabelSource.Template : LabelSource.ConfirmedDuplicate));
        }
        return order.Select(id => animals[id].Animal with { Crops = animals[id].Crops }).ToList();
    }

    public async Task<ActiveModel?> ActiveModelAsync(Species species, CancellationToken ct = default)
    {
        await using var cmd = Query("""
            SELECT model_id, version, manifest_path, manifest_sha256, previous_model_id, switched_at, ledger_index, animals, templates
            FROM model_switches WHERE species = $s ORDER BY seq DESC LIMIT 1
            """, ("$s", species.ToString()));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new ActiveModel(species, r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Text(r, 4), Time(r.GetString(5)), r.GetInt64(6), r.GetInt32(7), r.GetInt32(8))
            : null;
    }

    public async Task<Result<ActiveModel>> SwitchModelAsync(ActiveModel model, IReadOnlyList<ReembeddedTemplate> templates, CancellationToken ct = default)
    {
        if (ModelSwitchRule.CheckGiven(model, templates) is { } refused)
            return Result<ActiveModel>.Fail(refused);
        Result<ActiveModel> result = default;
        TemplateIndex? fresh = null;
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        long switchOrder = 0;
        await WriteAsync(async tx =>
        {
            var expected = new List<(string AnimalId, int Ordinal, string CropKey)>();
            await using (var cmd = Cmd(tx, "SELECT t.animal_id, t.ordinal, t.crop_key FROM templates t JOIN animals a ON a.id = t.animal_id WHERE a.species = $s",
                ("$s", model.Species.ToString())))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                    expected.Add((r.GetString(0), r.GetInt32(1), r.GetString(2)));
            }
            if (ModelSwitchRule.CheckCover(model, templates, expected) is { } uncovered)
            {
                result = Result<ActiveModel>.Fail(uncovered);
                return;
            }
            foreach (var t in templates)
            {
                await Exec(tx, ct, "UPDATE templates SET model_id = $m, embedding = $e WHERE animal_id = $a AND ordinal = $o",
                    ("$m", model.ModelId), ("$e", Bytes(t.Template.Values)), ("$a", t.AnimalId), ("$o", t.Ordinal));
            }
            var recorded = model with { Animals = expected.Select(e => e.AnimalId).Distinct(StringComparer.Ordinal).Count(), Templates = expected.Count };
            await Exec(tx, ct, "INSERT INTO model_switches (species, model_id, version, manifest_path, manifest_sha256, previous_model_id, switched_at, ledger_index, animals, templates) VALUES ($s, $m, $v, $p, $h, $prev, $at, $l, $a, $n)",
                ("$s", model.Species.ToString()), ("$m", model.ModelId), ("$v", model.Version), ("$p", model.ManifestPath), ("$h", model.ManifestSha256),
                ("$prev", model.PreviousModelId), ("$at", model.SwitchedAt.ToString("O", CultureInfo.InvariantCulture)), ("$l", model.LedgerEntry),
                ("$a", recorded.Animals), ("$n", recorded.Templates));
            result = Result<ActiveModel>.Ok(recorded);
            // Read under the write lock, so no enrolment lands between the read and the swap.
            fresh = new TemplateIndex();
            await LoadIndexAsync(tx, fresh, null, 0, seen, ct);
            await using var last = Cmd(tx, "SELECT MAX(seq) FROM model_switches");
            switchOrder = (long)(await last.ExecuteScalarAsync(ct))!;
        }, ct, inMemory: () =>
        {
            // Replaced whole: a search sees one model's templates or the other's, never both.
            if (fresh is not null)
                _follower.Replace(fresh, seen, switchOrder);
        });
        return result;
    }
}
