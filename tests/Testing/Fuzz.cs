using System.Diagnostics;
using System.Text;

namespace Pipelines.Testing;

/// <summary>One mutated input: the seed that produced it (rerun with <see cref="Fuzz.Mutate"/>), a label and the bytes.</summary>
public sealed record FuzzCase(int Seed, string Mutation, byte[] Bytes)
{
    /// <summary>The input as printable text (control bytes escaped), cut to <paramref name="max"/> characters.</summary>
    public string Preview(int max = 400)
    {
        var sb = new StringBuilder();
        foreach (byte b in Bytes.AsSpan(0, Math.Min(Bytes.Length, max)))
        {
            sb.Append(b is >= 32 and < 127 or (byte)'\n' or (byte)'\t' ? ((char)b).ToString() : $"\\x{b:X2}");
        }

        return Bytes.Length > max ? sb + $"… ({Bytes.Length} bytes)" : sb.ToString();
    }
}

/// <summary>How one case ended.</summary>
public enum FuzzOutcome
{
    /// <summary>The reader returned.</summary>
    Success,

    /// <summary>A <see cref="PipelinesException"/> other than <see cref="ErrorKind.Internal"/>.</summary>
    TypedError,

    /// <summary>Any other exception, or an internal <see cref="PipelinesException"/>.</summary>
    Internal,

    /// <summary>The case ran past its time limit.</summary>
    Hang,
}

/// <summary>The result of one case.</summary>
public sealed record FuzzResult(FuzzCase Case, FuzzOutcome Outcome, Exception? Error, TimeSpan Elapsed);

/// <summary>
/// Deterministic mutation fuzzing: <see cref="Corpus"/> derives <c>count</c> cases from a valid input (byte flips,
/// extreme bytes, truncations, deletions, duplications and, for text, digit/number edits), each reproducible from its
/// seed; <see cref="Run"/> runs a reader on each with a per-case time limit and classifies the outcome.
/// </summary>
public static class Fuzz
{
    private static readonly string[] s_numbers =
    [
        "0", "-1", "-0", "1e308", "NaN", "Infinity", "-Infinity", "2147483648", "4294967296", "9223372036854775807",
        "18446744073709551616", "4611686018427387904", "99999999999999999999", "1.5", "", " ", "abc", "\"", "\0",
    ];

    /// <summary>The cases for <paramref name="original"/>: case i uses seed <paramref name="baseSeed"/> + i.</summary>
    public static IEnumerable<FuzzCase> Corpus(byte[] original, int count, int baseSeed = 1, bool text = false)
    {
        ArgumentNullException.ThrowIfNull(original);
        for (int i = 0; i < count; i++)
        {
            yield return Mutate(original, baseSeed + i, text);
        }
    }

    /// <summary>One case: 1–3 mutations of <paramref name="original"/> chosen by <paramref name="seed"/>.</summary>
    public static FuzzCase Mutate(byte[] original, int seed, bool text = false)
    {
        ArgumentNullException.ThrowIfNull(original);
        var rng = new Random(seed);
        var bytes = new List<byte>(original);
        var labels = new List<string>();
        int steps = 1 + rng.Next(3);
        for (int s = 0; s < steps; s++)
        {
            int kinds = text ? 9 : 6;
            int kind = rng.Next(kinds);
            int at = bytes.Count == 0 ? 0 : rng.Next(bytes.Count);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    labels.Add($"flip@{at}");
                    break;
                case 1 when bytes.Count > 0:
                    byte[] extremes = [0x00, 0xFF, 0x7F, 0x80, (byte)'-', (byte)'9', (byte)',', (byte)'\n', (byte)'"', (byte)'{'];
                    bytes[at] = extremes[rng.Next(extremes.Length)];
                    labels.Add($"set@{at}={bytes[at]:X2}");
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    labels.Add($"truncate@{at}");
                    break;
                case 3 when bytes.Count > 0:
                    int len = Math.Min(1 + rng.Next(16), bytes.Count - at);
                    bytes.RemoveRange(at, len);
                    labels.Add($"delete@{at}+{len}");
                    break;
                case 4 when bytes.Count > 0:
                    int dlen = Math.Min(1 + rng.Next(64), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, dlen));
                    labels.Add($"duplicate@{at}+{dlen}");
                    break;
                case 5:
                    // Overwrite up to 8 bytes with a little-endian extreme integer (lengths, offsets, counts).
                    ulong[] values = [0, 1, 7, 8, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, long.MaxValue, ulong.MaxValue, 1UL << 62];
                    ulong v = values[rng.Next(values.Length)];
                    for (int k = 0; k < 8 && at + k < bytes.Count; k++)
                    {
                        bytes[at + k] = (byte)(v >> (8 * k));
                    }

                    labels.Add($"u64@{at}={v}");
                    break;
                case 6 or 7:
                    // Replace a run of digits (or the byte at `at`) with an extreme number.
                    int start = at;
                    while (start < bytes.Count && !IsDigit(bytes[start]))
                    {
                        start++;
                    }

                    int end = start;
                    while (end < bytes.Count && (IsDigit(bytes[end]) || bytes[end] == '.'))
                    {
                        end++;
                    }

                    string number = s_numbers[rng.Next(s_numbers.Length)];
                    bytes.RemoveRange(start, end - start);
                    bytes.InsertRange(start, Encoding.UTF8.GetBytes(number));
                    labels.Add($"number@{start}={number}");
                    break;
                case 8:
                    // Duplicate or drop a whole line.
                    int lineStart = at;
                    while (lineStart > 0 && bytes[lineStart - 1] != '\n')
                    {
                        lineStart--;
                    }

                    int lineEnd = at;
                    while (lineEnd < bytes.Count && bytes[lineEnd] != '\n')
                    {
                        lineEnd++;
                    }

                    lineEnd = Math.Min(lineEnd + 1, bytes.Count);
                    if (rng.Next(2) == 0)
                    {
                        bytes.RemoveRange(lineStart, lineEnd - lineStart);
                        labels.Add($"dropline@{lineStart}");
                    }
                    else
                    {
                        bytes.InsertRange(lineStart, bytes.GetRange(lineStart, lineEnd - lineStart));
                        labels.Add($"dupline@{lineStart}");
                    }

                    break;
                default:
                    bytes.Add((byte)rng.Next(256));
                    labels.Add("append");
                    break;
            }
        }

        return new FuzzCase(seed, string.Join(" ", labels), [.. bytes]);
    }

    /// <summary>
    /// Runs <paramref name="read"/> on every case, each on a worker with <paramref name="perCase"/> as time limit; a
    /// hung case is abandoned (its thread keeps running in the background) and reported.
    /// </summary>
    public static List<FuzzResult> Run(IEnumerable<FuzzCase> cases, Action<FuzzCase> read, TimeSpan perCase)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(read);
        var results = new List<FuzzResult>();
        foreach (FuzzCase c in cases)
        {
            var sw = Stopwatch.StartNew();
            var task = Task.Factory.StartNew(() => read(c), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            bool done;
            try
            {
                done = task.Wait(perCase);
            }
            catch (AggregateException)
            {
                done = true;
            }

            Exception? error = task.Exception?.InnerException;
            FuzzOutcome outcome = !done ? FuzzOutcome.Hang
                : error is null ? FuzzOutcome.Success
                : error is PipelinesException { Kind: not ErrorKind.Internal } ? FuzzOutcome.TypedError
                : FuzzOutcome.Internal;
            results.Add(new FuzzResult(c, outcome, error, sw.Elapsed));
        }

        return results;
    }

    /// <summary>Counts per outcome, e.g. <c>success 120, typed error 80, internal 0, hang 0</c>.</summary>
    public static string Summary(IReadOnlyCollection<FuzzResult> results) =>
        $"success {results.Count(r => r.Outcome == FuzzOutcome.Success)}, typed error {results.Count(r => r.Outcome == FuzzOutcome.TypedError)}, " +
        $"internal {results.Count(r => r.Outcome == FuzzOutcome.Internal)}, hang {results.Count(r => r.Outcome == FuzzOutcome.Hang)}";

    /// <summary>Throws when a case ended in an internal error or a hang, naming its seed, mutation, error and input.</summary>
    public static void AssertNoInternalOrHang(string kind, IReadOnlyCollection<FuzzResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        List<FuzzResult> bad = results.Where(r => r.Outcome is FuzzOutcome.Internal or FuzzOutcome.Hang).ToList();
        if (bad.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder($"{kind}: {bad.Count} of {results.Count} cases failed ({Summary(results)}).\n");
        foreach (FuzzResult r in bad.Take(5))
        {
            sb.Append($"- seed {r.Case.Seed} [{r.Case.Mutation}]: {r.Outcome} {r.Error?.GetType().Name}: {r.Error?.Message}\n  {r.Error?.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}\n  input: {r.Case.Preview()}\n");
        }

        throw new Xunit.Sdk.XunitException(sb.ToString());
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}

/// <summary>
/// The CI-sized run of one input kind (<see cref="FuzzKinds"/>): <see cref="Cases"/> seeded cases, each of which must
/// end in success or a typed <see cref="PipelinesException"/> within <see cref="PerCase"/>.
/// </summary>
public static class FuzzSuite
{
    /// <summary>Cases per input kind in the test run.</summary>
    public const int Cases = 200;

    /// <summary>The per-case time limit that flags a hang.</summary>
    public static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);

    /// <summary>Runs <see cref="Cases"/> cases of the kind <paramref name="kind"/>, asserts no internal error or hang and returns the outcome summary.</summary>
    public static string Check(string kind)
    {
        using var dir = new TempDirectory();
        FuzzKind k = FuzzKinds.Get(kind, dir.Path);
        List<FuzzResult> results = Fuzz.Run(k.Corpus(Cases), k.Read, PerCase);
        Fuzz.AssertNoInternalOrHang(kind, results);
        return $"{kind}: {results.Count} cases, {Fuzz.Summary(results)}";
    }
}
