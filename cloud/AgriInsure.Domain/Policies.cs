namespace AgriInsure.Domain;

/// <summary>The period a policy covers, inclusive of both days.</summary>
public readonly record struct Coverage(DateOnly Start, DateOnly End)
{
    public static Result<Coverage> Create(DateOnly start, DateOnly end, string field = "coverage")
    {
        if (end < start)
            return Result<Coverage>.Fail($"{field}.end", $"{end:yyyy-MM-dd} is before the start {start:yyyy-MM-dd}");
        if (end.DayNumber - start.DayNumber > 3 * 366)
            return Result<Coverage>.Fail($"{field}.end", "a policy may cover at most three years");
        return Result<Coverage>.Ok(new Coverage(start, end));
    }

    public bool Contains(DateOnly day) => day >= Start && day <= End;
}

/// <summary>Livestock cover: each listed animal is insured for the same sum.</summary>
public sealed record LivestockPolicy
{
    private LivestockPolicy(string id, string farmerId, IReadOnlyList<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage)
    {
        Id = id;
        FarmerId = farmerId;
        AnimalIds = animalIds;
        SumInsuredPerHead = sumInsuredPerHead;
        Premium = premium;
        Coverage = coverage;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public IReadOnlyList<string> AnimalIds { get; }
    public Money SumInsuredPerHead { get; }
    public Money Premium { get; }
    public Coverage Coverage { get; }

    public static Result<LivestockPolicy> Create(string id, string farmerId, IEnumerable<string> animalIds, Money sumInsuredPerHead, Money premium, Coverage coverage)
    {
        var idCheck = Domain.Id.Check(id, "policy.id");
        if (!idCheck.IsOk)
            return idCheck.Error;
        var farmerCheck = Domain.Id.Check(farmerId, "policy.farmerId");
        if (!farmerCheck.IsOk)
            return farmerCheck.Error;
        var animals = animalIds.ToArray();
        if (animals.Length == 0)
            return new ValidationError("policy.animalIds", "lists no animal");
        foreach (var a in animals)
        {
            var check = Domain.Id.Check(a, "policy.animalIds");
            if (!check.IsOk)
                return check.Error;
        }
        var repeated = animals.GroupBy(a => a).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            return new ValidationError("policy.animalIds", $"lists {repeated.Key} more than once");
        if (!sumInsuredPerHead.IsPositive)
            return new ValidationError("policy.sumInsuredPerHead", "must be positive");
        if (premium.Currency != sumInsuredPerHead.Currency)
            return new ValidationError("policy.premium", $"is in {premium.Currency}, the sum insured in {sumInsuredPerHead.Currency}");
        if (!premium.IsPositive)
            return new ValidationError("policy.premium", "must be positive");
        return Result<LivestockPolicy>.Ok(new LivestockPolicy(id, farmerId, animals, sumInsuredPerHead, premium, coverage));
    }

    public bool Covers(string animalId, DateOnly day) => Coverage.Contains(day) && AnimalIds.Contains(animalId);
}

/// <summary>A point in WGS84 (EPSG:4326), longitude first as in GeoJSON.</summary>
public readonly record struct GeoPoint(double Longitude, double Latitude)
{
    public static Result<GeoPoint> Create(double longitude, double latitude, string field = "point")
    {
        if (!double.IsFinite(longitude) || longitude is < -180 or > 180)
            return Result<GeoPoint>.Fail($"{field}.longitude", $"{longitude} is outside -180..180");
        if (!double.IsFinite(latitude) || latitude is < -90 or > 90)
            return Result<GeoPoint>.Fail($"{field}.latitude", $"{latitude} is outside -90..90");
        return Result<GeoPoint>.Ok(new GeoPoint(longitude, latitude));
    }
}

/// <summary>A field as the farmer declared it. Its outline is a closed WGS84 ring; the area the
/// insurer relies on is measured from imagery, the declared one is kept to compare against.</summary>
public sealed record Plot
{
    private Plot(string id, string farmerId, IReadOnlyList<GeoPoint> outline, Area declaredArea)
    {
        Id = id;
        FarmerId = farmerId;
        Outline = outline;
        DeclaredArea = declaredArea;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public IReadOnlyList<GeoPoint> Outline { get; }
    public Area DeclaredArea { get; }

    public static Result<Plot> Create(string id, string farmerId, IReadOnlyList<GeoPoint> outline, Area declaredArea)
    {
        var idCheck = Domain.Id.Check(id, "plot.id");
        if (!idCheck.IsOk)
            return idCheck.Error;
        var farmerCheck = Domain.Id.Check(farmerId, "plot.farmerId");
        if (!farmerCheck.IsOk)
            return farmerCheck.Error;
        if (outline.Count < 4)
            return new ValidationError("plot.outline", $"has {outline.Count} points; a closed ring needs at least 4");
        if (outline[0] != outline[^1])
            return new ValidationError("plot.outline", "is not closed: the first and last points differ");
        if (outline.Take(outline.Count - 1).Distinct().Count() < 3)
            return new ValidationError("plot.outline", "has fewer than 3 distinct points");
        return Result<Plot>.Ok(new Plot(id, farmerId, outline.ToArray(), declaredArea));
    }
}

/// <summary>Crop cover for one plot and season, paying sum insured × (damage fraction − deductible).</summary>
public sealed record CropPolicy
{
    private CropPolicy(string id, string farmerId, string plotId, string crop, Money sumInsured, decimal deductible, Money premium, Coverage season)
    {
        Id = id;
        FarmerId = farmerId;
        PlotId = plotId;
        Crop = crop;
        SumInsured = sumInsured;
        Deductible = deductible;
        Premium = premium;
        Season = season;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public string PlotId { get; }
    public string Crop { get; }
    public Money SumInsured { get; }
    public decimal Deductible { get; }
    public Money Premium { get; }
    public Coverage Season { get; }

    public static Result<CropPolicy> Create(string id, string farmerId, string plotId, string crop, Money sumInsured, decimal deductible, Money premium, Coverage season)
    {
        foreach (var (value, field) in new[] { (id, "policy.id"), (farmerId, "policy.farmerId"), (plotId, "policy.plotId") })
        {
            var check = Domain.Id.Check(value, field);
            if (!check.IsOk)
                return check.Error;
        }
        if (string.IsNullOrWhiteSpace(crop))
            return new ValidationError("policy.crop", "is empty");
        if (!sumInsured.IsPositive)
            return new ValidationError("policy.sumInsured", "must be positive");
        if (deductible is < 0m or >= 1m)
            return new ValidationError("policy.deductible", $"{deductible} is outside [0, 1)");
        if (premium.Currency != sumInsured.Currency || !premium.IsPositive)
            return new ValidationError("policy.premium", $"must be positive and in {sumInsured.Currency}");
        return Result<CropPolicy>.Ok(new CropPolicy(id, farmerId, plotId, crop.Trim(), sumInsured, deductible, premium, season));
    }

    /// <summary>What the policy pays for a measured damage fraction.</summary>
    public Money Indemnity(decimal damageFraction)
    {
        var clamped = Math.Clamp(damageFraction, 0m, 1m);
        return SumInsured.Times(Math.Max(0m, clamped - Deductible));
    }
}
