using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Pipelines.Cli.Infrastructure;

/// <summary>
/// Where a command writes: <see cref="Human"/> for tables and progress (stdout, or stderr under <c>--json</c> so that
/// stdout carries only the JSON document), <see cref="WriteJson"/> for the machine-readable summary.
/// </summary>
internal sealed class CliConsole
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public CliConsole(bool json, bool verbose, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellation = default)
    {
        Json = json;
        Verbose = verbose;
        Cancellation = cancellation;
        StdOut = stdout ?? Console.Out;
        StdErr = stderr ?? Console.Error;
        Human = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(json ? StdErr : StdOut),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
        });
    }

    /// <summary>True under <c>--json</c>.</summary>
    public bool Json { get; }

    /// <summary>True under <c>--verbose</c>.</summary>
    public bool Verbose { get; }

    /// <summary>
    /// Cancelled by the first Ctrl+C or SIGTERM (<see cref="CommandRunner"/>): long steps stop at their next safe point
    /// (training saves its checkpoint first) and the command exits with <see cref="CommandRunner.Cancelled"/>.
    /// </summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Standard output.</summary>
    public TextWriter StdOut { get; }

    /// <summary>Standard error.</summary>
    public TextWriter StdErr { get; }

    /// <summary>Tables, rules and progress for people.</summary>
    public IAnsiConsole Human { get; }

    /// <summary>Writes <paramref name="value"/> as JSON (snake_case names) on stdout when <c>--json</c> was given.</summary>
    public void WriteJson<T>(T value)
    {
        if (Json)
        {
            StdOut.WriteLine(JsonSerializer.Serialize(value, s_json));
        }
    }

    /// <summary>Writes a warning line on stderr.</summary>
    public void Warn(string message) => StdErr.WriteLine($"warning: {message}");
}
