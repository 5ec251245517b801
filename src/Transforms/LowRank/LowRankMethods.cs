namespace Pipelines.Transforms.LowRank;

/// <summary>The command-line and manifest names of <see cref="LowRankMethod"/> (<c>pissa-fast</c>, <c>lora-ga</c>, …), in one place.</summary>
public static class LowRankMethods
{
    private static readonly (LowRankMethod Method, string Name)[] s_names =
    [
        (LowRankMethod.Lora, "lora"),
        (LowRankMethod.Pissa, "pissa"),
        (LowRankMethod.PissaFast, "pissa-fast"),
        (LowRankMethod.MiLora, "milora"),
        (LowRankMethod.OLora, "olora"),
        (LowRankMethod.Eva, "eva"),
        (LowRankMethod.LoraGa, "lora-ga"),
        (LowRankMethod.Full, "full"),
        (LowRankMethod.Orthogonal, "orthogonal"),
        (LowRankMethod.CordaKpm, "corda-kpm"),
        (LowRankMethod.CordaIpm, "corda-ipm"),
        (LowRankMethod.LoftQ, "loftq"),
    ];

    /// <summary>Gets the methods <see cref="LowRankInitializer"/> runs on its own (all but LoRA-GA and full fine-tuning).</summary>
    public static IReadOnlyList<LowRankMethod> Initializers { get; } =
    [
        LowRankMethod.Lora, LowRankMethod.Pissa, LowRankMethod.PissaFast, LowRankMethod.MiLora, LowRankMethod.OLora, LowRankMethod.Eva,
        LowRankMethod.Orthogonal, LowRankMethod.CordaKpm, LowRankMethod.CordaIpm, LowRankMethod.LoftQ,
    ];

    /// <summary>
    /// Gets the methods fine-tuning initialises itself (all but the calibration-driven CorDA modes and LoftQ, which needs a
    /// quantizer; <c>lora init</c> runs them before training).
    /// </summary>
    public static IReadOnlyList<LowRankMethod> FineTuning { get; } =
    [
        LowRankMethod.Lora, LowRankMethod.Pissa, LowRankMethod.PissaFast, LowRankMethod.MiLora, LowRankMethod.OLora, LowRankMethod.Eva,
        LowRankMethod.LoraGa, LowRankMethod.Full, LowRankMethod.Orthogonal,
    ];

    /// <summary>Gets every method: what a model folder's manifest may record (a folder initialised by CorDA or LoftQ trains as it is).</summary>
    public static IReadOnlyList<LowRankMethod> All { get; } = [.. s_names.Select(n => n.Method)];

    /// <summary>The name of <paramref name="method"/>, e.g. <c>pissa-fast</c>.</summary>
    /// <param name="method">The method.</param>
    public static string Name(LowRankMethod method) =>
        s_names.First(n => n.Method == method).Name;

    /// <summary>Parses a name (case-insensitive) among <paramref name="allowed"/>.</summary>
    /// <param name="text">The name, e.g. <c>pissa</c>.</param>
    /// <param name="allowed">The methods accepted here.</param>
    /// <param name="option">The option or field being parsed, for the message.</param>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) Not one of <paramref name="allowed"/>; the message lists them.</exception>
    public static LowRankMethod Parse(string text, IReadOnlyList<LowRankMethod> allowed, string option = "--method")
    {
        ArgumentNullException.ThrowIfNull(allowed);
        foreach ((LowRankMethod method, string name) in s_names)
        {
            if (string.Equals(name, text?.Trim(), StringComparison.OrdinalIgnoreCase) && allowed.Contains(method))
            {
                return method;
            }
        }

        throw new PipelinesException(ErrorKind.Usage, $"Unknown {option} '{text}'; expected one of {string.Join(", ", allowed.Select(Name))}.");
    }
}
