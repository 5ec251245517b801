using System.Globalization;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// What a fine-tuning run starts from: the encoder file, its vocabulary and the adapter method, rank and α, resolved
/// from a <see cref="ModelFolder"/> (e.g. one written by <c>lora init</c>) and the caller's explicit choices. The folder's
/// manifest is the source of truth: a choice that contradicts it is refused naming both values, a folder without a
/// vocabulary needs one given, and nothing falls back silently (only an absent model means the bundled MiniLM, with
/// its own vocabulary).
/// </summary>
public sealed class FineTuneSource
{
    private readonly ModelFolder? _folder;
    private readonly bool _adapterFlagsGiven;

    private FineTuneSource(ModelFolder? folder, string modelPath, string vocabularyPath, LowRankMethod method, int rank, float? alpha, bool adapterFlagsGiven)
    {
        _folder = folder;
        ModelPath = modelPath;
        VocabularyPath = vocabularyPath;
        Method = method;
        Rank = rank;
        Alpha = alpha;
        _adapterFlagsGiven = adapterFlagsGiven;
    }

    /// <summary>Gets the encoder ONNX file.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the WordPiece vocabulary.</summary>
    public string VocabularyPath { get; }

    /// <summary>Gets the method (the folder's when it records adapters).</summary>
    public LowRankMethod Method { get; }

    /// <summary>Gets the adapter rank (the folder's when it records adapters).</summary>
    public int Rank { get; }

    /// <summary>Gets α, or null for α = r.</summary>
    public float? Alpha { get; }

    /// <summary>Resolves the source of a run.</summary>
    /// <param name="model">A model folder or ONNX file, or null for the bundled all-MiniLM-L6-v2.</param>
    /// <param name="vocabulary">An explicit vocabulary, or null for the folder's.</param>
    /// <param name="method">An explicit method name (<see cref="LowRankMethods"/>), or null.</param>
    /// <param name="rank">An explicit rank, or null.</param>
    /// <param name="alpha">An explicit α, or null.</param>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) A choice contradicts the folder's manifest, or no vocabulary is known; (<see cref="ErrorKind.Model"/>) the folder is inconsistent.</exception>
    public static FineTuneSource Resolve(FileSystemInfo? model, FileInfo? vocabulary, string? method, int? rank, float? alpha)
    {
        LowRankMethod? given = method is null ? null : LowRankMethods.Parse(method, LowRankMethods.FineTuning);
        bool adapterFlags = method is not null || rank is not null || alpha is not null;
        if (model is null)
        {
            PretrainedModelFiles files = PretrainedModels.MiniLm();
            return new FineTuneSource(null, files.ModelPath, vocabulary?.FullName ?? files.VocabPath, given ?? FineTuneOptions.Defaults.Method,
                rank ?? FineTuneOptions.Defaults.Rank, alpha, adapterFlags);
        }

        ModelFolder folder = ModelFolder.Open(model.FullName);
        string vocab = vocabulary?.FullName ?? folder.VocabularyPath
            ?? throw new PipelinesException(ErrorKind.Usage,
                $"'{folder.Directory}' has no {ModelFolder.VocabularyFileName} and no {ModelFolder.ManifestFileName} naming one; pass --vocab <file> (the vocabulary the model was trained with).");
        if (vocabulary is not null && folder.Manifest?.Tokenizer is { } tokenizer)
        {
            folder.RefuseConflict("--vocab", $"(SHA-256 {ModelFolder.Sha256File(vocab)})", $"(SHA-256 {tokenizer.VocabularySha256})");
        }

        if (folder.Manifest?.Adapters is { } adapters)
        {
            LowRankMethod recorded = LowRankMethods.Parse(adapters.Method, LowRankMethods.All, "method in " + ModelFolder.ManifestFileName);
            folder.RefuseConflict("--method", method is null ? null : LowRankMethods.Name(given!.Value), adapters.Method);
            folder.RefuseConflict("--rank", rank?.ToString(CultureInfo.InvariantCulture), adapters.Rank.ToString(CultureInfo.InvariantCulture));
            folder.RefuseConflict("--alpha", alpha?.ToString("G", CultureInfo.InvariantCulture), adapters.Alpha.ToString("G", CultureInfo.InvariantCulture));
            return new FineTuneSource(folder, folder.ModelPath, vocab, recorded, adapters.Rank, adapters.Alpha, adapterFlagsGiven: false);
        }

        return new FineTuneSource(folder, folder.ModelPath, vocab, given ?? FineTuneOptions.Defaults.Method, rank ?? FineTuneOptions.Defaults.Rank, alpha, adapterFlags);
    }

    /// <summary>
    /// Refuses explicit method, rank or α choices on an encoder that already carries adapters but has no manifest
    /// recording them (a model adapted elsewhere): they would be ignored, since its own adapters are trained.
    /// </summary>
    /// <param name="encoder">The loaded encoder.</param>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) Such choices were given.</exception>
    public void RefuseFlagsOnForeignAdapters(OnnxModel encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        IReadOnlyList<AdapterGraphEntry> entries = AdapterGraphEntry.Read(encoder);
        if (_adapterFlagsGiven && entries.Count > 0 && Method != LowRankMethod.Full)
        {
            throw new PipelinesException(ErrorKind.Usage,
                $"'{ModelPath}' already carries {entries.Count} adapters (rank {entries[0].Rank}, α {entries[0].Alpha.ToString("G", CultureInfo.InvariantCulture)}); they are trained as they are, so --method, --rank and --alpha do not apply. Drop them, or start from the plain encoder.");
        }
    }

    /// <summary>
    /// Writes <c>pipelines.json</c> for a finished run into <paramref name="directory"/>, which already holds
    /// <c>model.onnx</c>; copies the vocabulary there first.
    /// </summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="tokenizer">The tokenizer the run used.</param>
    /// <param name="finalLoss">The last step's loss.</param>
    /// <param name="validation">Validation metrics, or null.</param>
    /// <returns>The manifest as written.</returns>
    public ModelManifest WriteManifest(string directory, FineTuneOptions options, TextEncoderTokenizer tokenizer, float finalLoss, ClassificationMetrics? validation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokenizer);
        TokenizerManifest tok = ModelFolder.CopyVocabulary(VocabularyPath, directory, tokenizer.Encoder.Options.LowerCase, options.MaxLength);
        var metrics = new Dictionary<string, double> { ["final_loss"] = finalLoss };
        if (validation is not null)
        {
            metrics["valid_accuracy"] = validation.Accuracy;
            metrics["valid_loss"] = validation.MeanLoss;
            metrics["valid_macro_f1"] = validation.MacroF1;
        }

        string name = LowRankMethods.Name(options.Method);
        return ModelFolder.Write(directory, new ModelManifest
        {
            Producer = "lora train",
            Options = Describe(options),
            BaseModelSha256 = _folder?.Manifest?.BaseModelSha256 ?? ModelFolder.Sha256File(ModelPath),
            Adapters = options.Method == LowRankMethod.Full ? null
                : new AdapterManifest { Method = name, Rank = options.Rank, Alpha = options.EffectiveAlpha, Targets = _folder?.Manifest?.Adapters?.Targets ?? [] },
            Tokenizer = tok,
            Metrics = metrics,
        });
    }

    private static Dictionary<string, string> Describe(FineTuneOptions o) => new()
    {
        ["method"] = LowRankMethods.Name(o.Method),
        ["rank"] = o.Rank.ToString(CultureInfo.InvariantCulture),
        ["alpha"] = o.EffectiveAlpha.ToString("G", CultureInfo.InvariantCulture),
        ["lr"] = o.LearningRate.ToString("G", CultureInfo.InvariantCulture),
        ["head_lr"] = (o.HeadLearningRate ?? o.LearningRate).ToString("G", CultureInfo.InvariantCulture),
        ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
        ["max_steps"] = o.MaxSteps?.ToString(CultureInfo.InvariantCulture) ?? "",
        ["batch_size"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["max_length"] = o.MaxLength.ToString(CultureInfo.InvariantCulture),
        ["schedule"] = o.Schedule.ToString(),
        ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
    };
}
