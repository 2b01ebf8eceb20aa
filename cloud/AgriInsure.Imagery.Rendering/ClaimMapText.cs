using System.Globalization;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// Every word a claim map draws, in one language: <see cref="English"/> or <see cref="Chinese"/> (zh-CN), chosen by
/// <see cref="For"/> from a language tag. <see cref="ClaimMap"/> draws its captions from it and
/// <see cref="ClaimMapRequest.Figures"/> are built from it (by <c>ClaimMapEvidence</c>), so a map reads in one language.
/// <para>A template is a .NET composite format string: <c>{0}</c>, <c>{1}</c>… are the values its docstring names, formatted
/// with <see cref="Numbers"/> (Latin digits, a point for decimals, a comma between thousands in both languages). Ids, dates
/// and file names inside them are printed as given; the provenance pairs embedded in the PNG are never translated (they
/// are machine-readable evidence), only <see cref="Provenance"/>, the footer's heading.</para>
/// </summary>
public sealed record ClaimMapText
{
    private ClaimMapText()
    {
    }

    /// <summary>The language tag (BCP 47, RFC 5646): "en" or "zh-CN".</summary>
    public required string Language { get; init; }

    /// <summary>How numbers, percentages and amounts are written: the invariant culture's digits and separators, with the
    /// language's percent pattern ("24.8 %" in English as before, "24.8%" in Chinese).</summary>
    public required NumberFormatInfo Numbers { get; init; }

    /// <summary>The title; {0} the plot id.</summary>
    public required string Title { get; init; }

    /// <summary>The subtitle; {0} when the before image was taken, {1} the after image (as <see cref="ClaimMapRequest.BeforeLabel"/>).</summary>
    public required string Dates { get; init; }

    /// <summary>The window line; {0} columns, {1} rows (cells), {2} a cell's ground width, {3} its height (metres).</summary>
    public required string Window { get; init; }

    /// <summary>Appended to <see cref="Window"/> when the window is reduced to fit the panel.</summary>
    public required string WindowReduced { get; init; }

    /// <summary>The note under the panels of a reduced window; {0} × {1} the most cells (columns × rows) one pixel stands for.</summary>
    public required string ReducedNote { get; init; }

    /// <summary>Caption of the NDVI panel before the event.</summary>
    public required string BeforePanel { get; init; }

    /// <summary>Caption of the NDVI panel after the event.</summary>
    public required string AfterPanel { get; init; }

    /// <summary>Caption of the panel of damaged, hidden and clear cells.</summary>
    public required string AssessmentPanel { get; init; }

    /// <summary>Heading of the legend.</summary>
    public required string Legend { get; init; }

    /// <summary>Legend row for damaged cells (red).</summary>
    public required string LegendDamaged { get; init; }

    /// <summary>Legend row for hidden cells (hatched grey): cloud, no data, or past the image's edge.</summary>
    public required string LegendHidden { get; init; }

    /// <summary>Legend row for clear cells (green): observed on both dates, not damaged.</summary>
    public required string LegendClear { get; init; }

    /// <summary>Legend row for cells outside the plot.</summary>
    public required string LegendOutside { get; init; }

    /// <summary>Legend row for the plot's outline.</summary>
    public required string LegendBoundary { get; init; }

    /// <summary>Caption of the NDVI colour bar.</summary>
    public required string ColourBar { get; init; }

    /// <summary>Beside the grey swatch of cells without an NDVI value.</summary>
    public required string NoValue { get; init; }

    /// <summary>Under the colour bar: cells outside the plot are drawn faded.</summary>
    public required string OutsideFaded { get; init; }

    /// <summary>Heading of the scale bar.</summary>
    public required string Scale { get; init; }

    /// <summary>A scale bar length under 1 km; {0} metres.</summary>
    public required string Metres { get; init; }

    /// <summary>A scale bar length of 1 km or more; {0} kilometres.</summary>
    public required string Kilometres { get; init; }

    /// <summary>The letter at the north arrow's tip.</summary>
    public required string North { get; init; }

    /// <summary>Under the north arrow when true north is up.</summary>
    public required string NorthUp { get; init; }

    /// <summary>Under the north arrow otherwise; {0} degrees from up to true north, clockwise.</summary>
    public required string NorthTurned { get; init; }

    /// <summary>Heading of the figures table.</summary>
    public required string Figures { get; init; }

    /// <summary>The footer; {0} the provenance pairs as "key: value · key: value" (keys and values untranslated).</summary>
    public required string Provenance { get; init; }

    /// <summary>What <see cref="Provenance"/> holds when no pairs are given.</summary>
    public required string ProvenanceNone { get; init; }

    /// <summary>An image's label when its band does not state when it was taken; {0} the file name, {1} the band (1-based).</summary>
    public required string FileBand { get; init; }

    /// <summary>Figure label: where the plot is.</summary>
    public required string LocationLabel { get; init; }

    /// <summary>The location; {0} the latitude, {1} the longitude (each from the four templates below), of the plot's centroid on WGS84.</summary>
    public required string Location { get; init; }

    /// <summary>{0} degrees north (WGS84 latitude, ≥ 0).</summary>
    public required string LatitudeNorth { get; init; }

    /// <summary>{0} degrees south (the absolute value of a negative latitude).</summary>
    public required string LatitudeSouth { get; init; }

    /// <summary>{0} degrees east (WGS84 longitude, ≥ 0).</summary>
    public required string LongitudeEast { get; init; }

    /// <summary>{0} degrees west (the absolute value of a negative longitude).</summary>
    public required string LongitudeWest { get; init; }

    /// <summary>Figure label: the plot's ground area.</summary>
    public required string PlotAreaLabel { get; init; }

    /// <summary>An area; {0} square metres, {1} mu (1 mu = 10,000/15 m²).</summary>
    public required string Area { get; init; }

    /// <summary>Figure label: shares of the plot inside the images and beyond their edge.</summary>
    public required string CoveredLabel { get; init; }

    /// <summary>Two shares side by side; {0} and {1}, each in [0, 1].</summary>
    public required string Shares { get; init; }

    /// <summary>Figure label: the damaged area.</summary>
    public required string DamagedLabel { get; init; }

    /// <summary>The damaged area; {0} square metres, {1} its share of the whole plot in [0, 1].</summary>
    public required string Damaged { get; init; }

    /// <summary>Figure label: shares hidden (cloud, no data) and with an invalid NDVI, as <see cref="Shares"/>.</summary>
    public required string HiddenLabel { get; init; }

    /// <summary>Figure label: the plot's quality (whether the map can pay).</summary>
    public required string QualityLabel { get; init; }

    /// <summary>A quality with its reason; {0} the quality's name, {1} the reason.</summary>
    public required string QualityWithNote { get; init; }

    /// <summary>Quality name: the whole plot is on the images and little enough is hidden (wire name "ok").</summary>
    public required string QualityOk { get; init; }

    /// <summary>Quality name: too much is hidden ("needs-clear-image").</summary>
    public required string QualityNeedsClearImage { get; init; }

    /// <summary>Quality name: nothing can be seen ("all-hidden").</summary>
    public required string QualityAllHidden { get; init; }

    /// <summary>Quality name: part of the plot is off the images ("partly-outside-raster").</summary>
    public required string QualityPartlyOutsideRaster { get; init; }

    /// <summary>Quality name: the plot is off the images ("outside-raster").</summary>
    public required string QualityOutsideRaster { get; init; }

    /// <summary>Why "needs-clear-image"; {0} the share hidden or invalid, {1} the most allowed.</summary>
    public required string NoteNeedsClearImage { get; init; }

    /// <summary>Why "all-hidden".</summary>
    public required string NoteAllHidden { get; init; }

    /// <summary>Why "partly-outside-raster"; {0} the share inside the images.</summary>
    public required string NotePartlyOutsideRaster { get; init; }

    /// <summary>Why "outside-raster".</summary>
    public required string NoteOutsideRaster { get; init; }

    /// <summary>Figure label: the indemnity.</summary>
    public required string IndemnityLabel { get; init; }

    /// <summary>An amount; {0} the amount (two decimals), {1} its ISO 4217 currency code.</summary>
    public required string Money { get; init; }

    /// <summary>The language tags <see cref="For"/> knows, English first (the default).</summary>
    public static IReadOnlyList<string> Languages { get; } = ["en", "zh-CN"];

    /// <summary>The table for <paramref name="language"/> ("en" or "zh-CN", compared without regard to case as RFC 5646
    /// §2.1.1 says); null for any other tag.</summary>
    public static ClaimMapText? For(string? language) =>
        string.Equals(language, English.Language, StringComparison.OrdinalIgnoreCase) ? English
        : string.Equals(language, Chinese.Language, StringComparison.OrdinalIgnoreCase) ? Chinese
        : null;

    /// <summary><paramref name="template"/> filled with <paramref name="values"/>, numbers written with <see cref="Numbers"/>.</summary>
    public string Format(string template, params object[] values) => string.Format(Numbers, template, values);

    /// <summary>English, as the maps have always read (wire names for the qualities, "mu" for the Chinese area unit).</summary>
    public static ClaimMapText English { get; } = new()
    {
        Language = "en",
        Numbers = NumberFormatInfo.InvariantInfo,
        Title = "Crop claim evidence map — plot {0}",
        Dates = "NDVI before the event: {0}    ·    after: {1}",
        Window = "Window {0} × {1} cells of {2:0.##} × {3:0.##} m",
        WindowReduced = " (reduced to fit: see the note under the panels)",
        ReducedNote = "Reduced to fit: each pixel is a block of up to {0:0} × {1:0} cells. "
            + "A block is shown Damaged if any of its cells is damaged, else Hidden if any is hidden, else Clear; its NDVI is the mean of its cells' values. "
            + "A red ring marks a damaged block with no damaged neighbour.",
        BeforePanel = "Before · NDVI",
        AfterPanel = "After · NDVI",
        AssessmentPanel = "Assessment · damage",
        Legend = "Legend",
        LegendDamaged = "Damaged",
        LegendHidden = "Hidden (cloud, no data) or beyond the image",
        LegendClear = "Clear: observed, not damaged",
        LegendOutside = "Outside the plot",
        LegendBoundary = "Plot boundary",
        ColourBar = "NDVI (before and after panels)",
        NoValue = "no value",
        OutsideFaded = "Outside the plot: faded",
        Scale = "Scale (all panels)",
        Metres = "{0:0.###} m",
        Kilometres = "{0:0.###} km",
        North = "N",
        NorthUp = "true north is up",
        NorthTurned = "true north {0:0.0}° clockwise from up",
        Figures = "Figures",
        Provenance = "Provenance: {0}",
        ProvenanceNone = "none given",
        FileBand = "{0} band {1}",
        LocationLabel = "location",
        Location = "{0}, {1} (centroid, WGS84)",
        LatitudeNorth = "{0:0.00000}° N",
        LatitudeSouth = "{0:0.00000}° S",
        LongitudeEast = "{0:0.00000}° E",
        LongitudeWest = "{0:0.00000}° W",
        PlotAreaLabel = "plot area",
        Area = "{0:N1} m² ({1:N2} mu)",
        CoveredLabel = "inside the images / beyond their edge",
        Shares = "{0:P1} / {1:P1}",
        DamagedLabel = "damaged",
        Damaged = "{0:N1} m² ({1:P2} of the plot)",
        HiddenLabel = "hidden by cloud or no data / invalid NDVI",
        QualityLabel = "quality",
        QualityWithNote = "{0}: {1}",
        QualityOk = "ok",
        QualityNeedsClearImage = "needs-clear-image",
        QualityAllHidden = "all-hidden",
        QualityPartlyOutsideRaster = "partly-outside-raster",
        QualityOutsideRaster = "outside-raster",
        NoteNeedsClearImage = "{0:P1} of the plot is hidden or invalid, over the {1:P0} allowed",
        NoteAllHidden = "no cell under the plot can be seen",
        NotePartlyOutsideRaster = "only {0:P1} of the plot lies inside the raster",
        NoteOutsideRaster = "the plot lies outside the raster",
        IndemnityLabel = "indemnity",
        Money = "{0:N2} {1}",
    };

    /// <summary>Simplified Chinese (zh-CN), in the words of the web pages' claim page (像元, 受损, 遮挡, 灾前/灾后, 亩).</summary>
    public static ClaimMapText Chinese { get; } = new()
    {
        Language = "zh-CN",
        Numbers = ChineseNumbers(),
        Title = "农作物理赔证据图 — 地块 {0}",
        Dates = "灾前 NDVI：{0}    ·    灾后：{1}",
        Window = "窗口 {0} × {1} 个像元，每个像元 {2:0.##} × {3:0.##} 米",
        WindowReduced = "（已缩小以适应图幅：见图下说明）",
        ReducedNote = "已缩小以适应图幅：每个像素代表至多 {0:0} × {1:0} 个像元的块。"
            + "块内任一像元受损即显示为受损，否则任一像元被遮挡即显示为遮挡，否则显示为未受损；块的 NDVI 为其像元值的平均值。"
            + "红圈标出周围没有其他受损块的孤立受损块。",
        BeforePanel = "灾前 · NDVI",
        AfterPanel = "灾后 · NDVI",
        AssessmentPanel = "评估 · 受损",
        Legend = "图例",
        LegendDamaged = "受损",
        LegendHidden = "遮挡（云、无数据）或超出影像",
        LegendClear = "未受损：已观测，无损失",
        LegendOutside = "地块以外",
        LegendBoundary = "地块边界",
        ColourBar = "NDVI（灾前、灾后两图）",
        NoValue = "无值",
        OutsideFaded = "地块以外：淡化显示",
        Scale = "比例尺（各图相同）",
        Metres = "{0:0.###} 米",
        Kilometres = "{0:0.###} 千米",
        North = "北",
        NorthUp = "上方为正北",
        NorthTurned = "正北：自上方顺时针 {0:0.0}°",
        Figures = "数据",
        Provenance = "来源：{0}",
        ProvenanceNone = "未提供",
        FileBand = "{0} 第 {1} 波段",
        LocationLabel = "位置",
        Location = "{0}，{1}（质心，WGS84）",
        LatitudeNorth = "北纬 {0:0.00000}°",
        LatitudeSouth = "南纬 {0:0.00000}°",
        LongitudeEast = "东经 {0:0.00000}°",
        LongitudeWest = "西经 {0:0.00000}°",
        PlotAreaLabel = "地块面积",
        Area = "{0:N1} m²（{1:N2} 亩）",
        CoveredLabel = "影像内 / 超出影像边缘",
        Shares = "{0:P1} / {1:P1}",
        DamagedLabel = "受损面积",
        Damaged = "{0:N1} m²（占地块 {1:P2}）",
        HiddenLabel = "云遮或无数据 / NDVI 无效",
        QualityLabel = "影像质量",
        QualityWithNote = "{0}：{1}",
        QualityOk = "清晰",
        QualityNeedsClearImage = "需要更清晰的影像",
        QualityAllHidden = "全部被遮挡",
        QualityPartlyOutsideRaster = "部分位于影像外",
        QualityOutsideRaster = "位于影像外",
        NoteNeedsClearImage = "地块的 {0:P1} 被遮挡或无效，超过允许的 {1:P0}",
        NoteAllHidden = "地块内没有可观测的像元",
        NotePartlyOutsideRaster = "地块仅有 {0:P1} 位于影像内",
        NoteOutsideRaster = "地块位于影像之外",
        IndemnityLabel = "赔款",
        Money = "{0:N2} {1}",
    };

    /// <summary>Chinese writes a percentage with no space before the sign ("24.8%"); digits and separators as in English.</summary>
    private static NumberFormatInfo ChineseNumbers()
    {
        var numbers = (NumberFormatInfo)NumberFormatInfo.InvariantInfo.Clone();
        numbers.PercentPositivePattern = 1;
        numbers.PercentNegativePattern = 1;
        return NumberFormatInfo.ReadOnly(numbers);
    }
}
