using Spectre.Console;

namespace AgriInsure.Cli;

/// <summary>A table column: its header, whether its text may wrap at spaces (the rest never wrap, so a
/// number or an outcome is never split), and whether it holds ids (elided in the middle, where ids made
/// from time-ordered UUIDs differ least, when the table would not fit).</summary>
internal sealed record Column(string Header, bool Wraps = false, bool Ids = false);

/// <summary>What verbs print: tables that fit the terminal, plain aligned text when the output is a file or
/// a pipe (whole ids, no borders, no colour), and progress as a bar on a terminal or a line per tenth in a log.</summary>
internal static class Terminal
{
    private const int ShortestId = 12;

    private const int MinWrapWidth = 30;

    public static bool Interactive => !Console.IsOutputRedirected;

    /// <summary><paramref name="colour"/> names a Spectre colour for a cell (row, column), or null.</summary>
    public static void Table(IReadOnlyList<Column> columns, IReadOnlyList<string[]> rows, Func<string[], int, string?>? colour = null)
    {
        if (!Interactive)
        {
            Plain(columns, rows);
            return;
        }
        Render(AnsiConsole.Console, columns, rows, colour);
    }

    /// <summary>The table as drawn on <paramref name="console"/>, fitted to its width.</summary>
    public static void Render(IAnsiConsole console, IReadOnlyList<Column> columns, IReadOnlyList<string[]> rows, Func<string[], int, string?>? colour = null)
    {
        var width = console.Profile.Width;
        var fixedWidth = columns.Select((c, i) => c.Wraps || c.Ids ? 0 : Math.Max(c.Header.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max()) + 3).Sum();
        var idColumns = columns.Count(c => c.Ids);
        var wrapColumns = columns.Count(c => c.Wraps);
        // A table narrower than its fixed columns, shortest ids and a readable width for each wrapping
        // column would break words and numbers: each row becomes a block of "header: value" lines instead.
        if (width - 1 - fixedWidth - idColumns * (ShortestId + 3) < wrapColumns * (MinWrapWidth + 3))
        {
            Blocks(console, columns, rows, colour);
            return;
        }
        // What the ids may take once fixed columns and a fair share for wrapping text are set aside.
        var idWidth = idColumns == 0 ? 0 : Math.Max(ShortestId, (width - 1 - fixedWidth - wrapColumns * (MinWrapWidth + 3)) / idColumns - 3);
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in columns)
        {
            var column = new Spectre.Console.TableColumn(Markup.Escape(c.Header));
            if (!c.Wraps)
                column.NoWrap();
            table.AddColumn(column);
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select((cell, i) =>
            {
                var text = Markup.Escape(columns[i].Ids ? ElideMiddle(cell, idWidth) : cell);
                return colour?.Invoke(row, i) is { } style ? $"[{style}]{text}[/]" : text;
            }).ToArray());
        }
        console.Write(table);
    }

    private static void Blocks(IAnsiConsole console, IReadOnlyList<Column> columns, IReadOnlyList<string[]> rows, Func<string[], int, string?>? colour)
    {
        var label = columns.Max(c => c.Header.Length);
        foreach (var row in rows)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                var text = Markup.Escape(row[i]);
                var value = colour?.Invoke(row, i) is { } style ? $"[{style}]{text}[/]" : text;
                console.Write(new Padder(new Markup($"[bold]{Markup.Escape(columns[i].Header.PadRight(label))}[/]  {value}"), new Padding(i == 0 ? 0 : 2, 0, 0, 0)));
            }
            console.WriteLine();
        }
    }

    /// <summary><paramref name="text"/> within <paramref name="max"/> characters: its start and end kept,
    /// the middle replaced by an ellipsis.</summary>
    public static string ElideMiddle(string text, int max)
    {
        if (text.Length <= max || max < 5)
            return text;
        var tail = (max - 1) / 2;
        return $"{text[..(max - 1 - tail)]}…{text[^tail..]}";
    }

    private static void Plain(IReadOnlyList<Column> columns, IReadOnlyList<string[]> rows)
    {
        var widths = columns.Select((c, i) => Math.Max(c.Header.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((cell, i) => i == cells.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd();
        Console.WriteLine(Line(columns.Select(c => c.Header).ToList()));
        foreach (var row in rows)
            Console.WriteLine(Line(row));
    }

    /// <summary>Runs <paramref name="work"/> with a progress bar on a terminal, or a line on stderr at each
    /// tenth of <paramref name="total"/> in a log; <paramref name="work"/> reports how many are done.</summary>
    public static T Progress<T>(string label, int total, Func<IProgress<int>, T> work)
    {
        if (Interactive && !Console.IsErrorRedirected)
        {
            return AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                return work(new Progress<int>(n => task.Value = n));
            });
        }
        return work(LogLines(label, total));
    }

    /// <summary>The same for asynchronous work.</summary>
    public static async Task<T> ProgressAsync<T>(string label, int total, Func<IProgress<int>, Task<T>> work)
    {
        if (Interactive && !Console.IsErrorRedirected)
        {
            return await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                return await work(new Progress<int>(n => task.Value = n));
            });
        }
        return await work(LogLines(label, total));
    }

    /// <summary>A line on stderr at each tenth of <paramref name="total"/>.</summary>
    private static Reporter LogLines(string label, int total)
    {
        var lastTenth = 0;
        var gate = new object();
        Console.Error.WriteLine($"agri: {label}");
        // Reported synchronously from the workers (Progress<T> would post to the thread pool, out of order).
        return new Reporter(n =>
        {
            var tenth = total == 0 ? 10 : (int)(10L * n / total);
            lock (gate)
            {
                if (tenth <= lastTenth)
                    return;
                lastTenth = tenth;
            }
            Console.Error.WriteLine($"agri: {label}: {tenth * 10} % ({n} of {total})");
        });
    }

    /// <summary>Runs <paramref name="work"/>, which reports phases as (name, done, total): a bar per phase on a
    /// terminal, or a line on stderr at each tenth of a phase in a log.</summary>
    public static async Task<T> PhasesAsync<T>(Func<Action<string, int, int>, Task<T>> work)
    {
        if (Interactive && !Console.IsErrorRedirected)
        {
            return await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
            {
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                return await work((phase, done, total) =>
                {
                    lock (bars)
                    {
                        if (!bars.TryGetValue(phase, out var bar))
                            bars[phase] = bar = ctx.AddTask(Markup.Escape(phase), maxValue: Math.Max(1, total));
                        bar.MaxValue = Math.Max(1, total);
                        bar.Value = done;
                    }
                });
            });
        }
        var tenths = new Dictionary<string, int>(StringComparer.Ordinal);
        return await work((phase, done, total) =>
        {
            var tenth = total == 0 ? 10 : (int)(10L * Math.Min(done, total) / total);
            lock (tenths)
            {
                if (!tenths.TryGetValue(phase, out var last))
                    Console.Error.WriteLine($"agri: {phase}");
                else if (tenth <= last)
                    return;
                tenths[phase] = tenth;
            }
            if (tenth > 0)
                Console.Error.WriteLine($"agri: {phase}: {tenth * 10} % ({done} of {total})");
        });
    }

    private sealed class Reporter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
