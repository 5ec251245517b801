using System.Collections.Concurrent;
using Microsoft.ML;

namespace Pipelines.Transforms.MLNet;

/// <summary>
/// The one route by which a Pipelines transformer's fitted state survives <c>mlContext.Model.Save</c>/<c>Load</c>.
/// ML.NET's loader registry is internal and a custom mapping persists only its contract name, so the state rides in a
/// constant text column made by an <c>Expression</c> transform (which ML.NET persists), and a custom mapping selected by
/// contract name reads it on every row: the route the text classifier's tokenizer fingerprint takes
/// (<c>TokenizationMapping</c>). Binary state is base64-encoded (no quotes or escapes in the expression); decoded state
/// is cached per process by its text.
/// </summary>
internal static class FittedStateColumn
{
    /// <summary>At most this many decoded states are kept per state type (a process scoring a handful of models).</summary>
    private const int MaxCachedStates = 32;

    /// <summary>
    /// Appends the constant column <paramref name="stateColumn"/> = <paramref name="state"/> (base64), computed from the
    /// scalar column <paramref name="anchorColumn"/> (an <c>Expression</c> transform needs one input; its value is unused).
    /// </summary>
    public static IEstimator<ITransformer> AppendState(this IEstimator<ITransformer> chain, MLContext context, string stateColumn, string anchorColumn, byte[] state) =>
        chain.Append(context.Transforms.Expression(stateColumn, Expression(Convert.ToBase64String(state)), anchorColumn));

    /// <summary>The ML.NET expression emitting <paramref name="text"/> as a constant; text with quotes or backslashes is refused.</summary>
    public static string Expression(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny('"', '\\') >= 0)
        {
            throw new ArgumentException("A state constant must not contain quotes or backslashes.", nameof(text));
        }

        return $"x => \"{text}\"";
    }

    /// <summary>Decodes (once per distinct text, per process) the state of a row.</summary>
    public static T Decode<T>(ConcurrentDictionary<string, T> cache, string? text, Func<byte[], T> read, string contractName)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(read);
        if (string.IsNullOrEmpty(text))
        {
            throw new InvalidDataException($"Custom mapping '{contractName}': the row carries no fitted state (the saved model's state column is missing or empty).");
        }

        if (cache.TryGetValue(text, out T? known))
        {
            return known;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Custom mapping '{contractName}': the saved state is not base64 ({e.Message}).", e);
        }

        T value = read(bytes);
        if (cache.Count >= MaxCachedStates)
        {
            cache.Clear();
        }

        return cache.GetOrAdd(text, value);
    }
}
