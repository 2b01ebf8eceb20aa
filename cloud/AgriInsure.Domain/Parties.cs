namespace AgriInsure.Domain;

/// <summary>A policy holder, a customer of one insurer (<see cref="Tenant"/>): the same farmer id at two insurers is two
/// records. Name and phone are personal data: they stay in the registry and never reach the ledger.</summary>
public sealed record Farmer
{
    private Farmer(string tenant, string id, string name, string region)
    {
        Tenant = tenant;
        Id = id;
        Name = name;
        Region = region;
    }

    /// <summary>The insurer whose record this is; every read of it names the same tenant.</summary>
    public string Tenant { get; }
    public string Id { get; }
    public string Name { get; }
    public string Region { get; }

    public static Result<Farmer> Create(string tenant, string id, string name, string region)
    {
        if (Domain.Id.FirstError((tenant, "farmer.tenant"), (id, "farmer.id")) is { } bad)
            return bad;
        if ((Text(name, "farmer.name") ?? Text(region, "farmer.region")) is { } text)
            return text;
        return Result<Farmer>.Ok(new Farmer(tenant, id, name.Trim(), region.Trim()));
    }

    /// <summary>A name or place as people write it, in any script: 1 to 200 characters, no control characters (NUL, a bell,
    /// line breaks) and no invisible format characters (a right-to-left override would show a name other than the one
    /// stored, on a contract or a claim).</summary>
    private static ValidationError? Text(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            return new ValidationError(field, "is empty");
        if (value.Length > 200)
            return new ValidationError(field, "is longer than 200 characters");
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
                return new ValidationError(field, $"holds the invisible character U+{(int)c:X4}; type the name as it is written");
        }
        return null;
    }
}

/// <summary>An insured animal. Its biometric templates (one per enrolment photo, 1 to <see cref="MaxTemplates"/>,
/// all of one model) are what identify it; the ear tag is optional because tags are lost, swapped and forged.</summary>
public sealed record Animal
{
    /// <summary>The most templates an animal holds: the most photos one capture carries (the protocol's
    /// <c>Limits.MaxPhotos</c>) and the most the registry's template index keeps an animal.</summary>
    public const int MaxTemplates = 5;

    private Animal(string id, string farmerId, Species species, string? earTag, IReadOnlyList<Embedding> templates)
    {
        Id = id;
        FarmerId = farmerId;
        Species = species;
        EarTag = earTag;
        Templates = templates;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public Species Species { get; }
    public string? EarTag { get; }
    public IReadOnlyList<Embedding> Templates { get; }

    public string ModelId => Templates[0].ModelId;

    public static Result<Animal> Create(string id, string farmerId, Species species, string? earTag, IReadOnlyList<Embedding> templates)
    {
        if (templates.Count is < 1 or > MaxTemplates)
            return new ValidationError("animal.templates", $"has {templates.Count}; an animal has 1 to {MaxTemplates}");
        if (templates.Any(t => t.ModelId != templates[0].ModelId || t.Dimension != templates[0].Dimension))
            return new ValidationError("animal.templates", "come from more than one model; an animal's templates come from one");
        var idCheck = Domain.Id.Check(id, "animal.id");
        if (!idCheck.IsOk)
            return idCheck.Error;
        var farmerCheck = Domain.Id.Check(farmerId, "animal.farmerId");
        if (!farmerCheck.IsOk)
            return farmerCheck.Error;
        if (earTag is not null)
        {
            var tag = Domain.Id.Check(earTag, "animal.earTag");
            if (!tag.IsOk)
                return tag.Error;
        }
        if (!Enum.IsDefined(species))
            return new ValidationError("animal.species", $"{(int)species} is not a species");
        return Result<Animal>.Ok(new Animal(id, farmerId, species, earTag, [.. templates]));
    }
}
