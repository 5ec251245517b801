using System.Globalization;
using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Writes an initialised model as a <see cref="ModelFolder"/>: the adapted <c>model.onnx</c>, the adapter files in
/// peft's layout, the source's vocabulary (never substituted) and <c>pipelines.json</c> recording method, rank, α and
/// targets, so that fine-tuning and export read them from the folder instead of from repeated flags. The files are
/// written into a hidden sibling folder and swapped in as a set (<see cref="StagedFolder"/>): a kill at any moment leaves
/// the old complete set or the new one.
/// </summary>
public static class AdaptedModelFolder
{
    /// <summary>Writes the folder (created if needed) as a set: staged beside it, manifest last, then swapped in.</summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="adapted">The initialised model and adapters.</param>
    /// <param name="options">The options it was initialised with.</param>
    /// <param name="source">The folder (or file) of the base model, for its vocabulary and base-model hash.</param>
    /// <returns>The manifest as written.</returns>
    public static ModelManifest Write(string directory, AdaptedModel adapted, LowRankOptions options, ModelFolder source)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(adapted);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        using StagedFolder staged = StagedFolder.Create(directory);
        ModelManifest written = WriteSet(staged.Directory, adapted, options, source);
        staged.Commit();
        return written;
    }

    /// <summary>Writes the set's files, manifest last, straight into <paramref name="directory"/> (the staging folder).</summary>
    internal static ModelManifest WriteSet(string directory, AdaptedModel adapted, LowRankOptions options, ModelFolder source)
    {
        OnnxModelIO.Save(adapted.Model, Path.Combine(directory, ModelFolder.ModelFileName));
        adapted.Adapters.Save(directory);
        TokenizerManifest? tokenizer = source.CopyVocabularyTo(directory);
        var recorded = new Dictionary<string, string>
        {
            ["method"] = LowRankMethods.Name(options.Method),
            ["rank"] = options.Rank.ToString(CultureInfo.InvariantCulture),
            ["alpha"] = options.Alpha?.ToString("G", CultureInfo.InvariantCulture) ?? "",
            ["niter"] = options.PowerIterations.ToString(CultureInfo.InvariantCulture),
            ["oversample"] = options.Oversampling.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["base_untouched"] = options.BaseUntouched ? "true" : "false",
            ["dora"] = options.Dora ? "true" : "false",
        };
        if (options.QuantizeBase)
        {
            // model.onnx holds the frozen base block-wise quantized (docs/formats/lora-adapters.md, "Quantized base")
            recorded["quantize_base"] = "int" + options.LoftQ!.Bits.ToString(CultureInfo.InvariantCulture);
            recorded["quantizer_iterations"] = options.LoftQ.Iterations.ToString(CultureInfo.InvariantCulture);
        }

        return ModelFolder.Write(directory, new ModelManifest
        {
            Producer = "lora init",
            Options = recorded,
            BaseModelSha256 = source.Manifest?.BaseModelSha256 ?? options.BaseModelSha256 ?? ModelFolder.Sha256File(source.ModelPath),
            Adapters = new AdapterManifest
            {
                Method = LowRankMethods.Name(options.Method),
                Rank = adapted.Adapters.Config.R,
                Alpha = adapted.Adapters.Config.LoraAlpha,
                Targets = adapted.Adapters.Config.TargetModules,
            },
            Tokenizer = tokenizer,
        }, adapted.Adapters.Files);
    }
}
