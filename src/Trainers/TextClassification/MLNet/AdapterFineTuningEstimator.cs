using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;
using Pipelines.Trainers.MLNet;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.MLNet;

namespace Pipelines.Trainers.TextClassification.MLNet;

/// <summary>
/// Fine-tunes a text encoder with adapters (or fully) for sentence classification. <see cref="Fit"/> runs the whole
/// flow of <see cref="TextClassifierFineTuning"/> and returns an ONNX-backed transformer chain — WordPiece tokenization
/// (custom mapping keyed by the tokenizer's fingerprint, see <see cref="TokenizationMapping"/>) then <c>ApplyOnnxModel</c> over the exported classifier bytes — that <c>mlContext.Model.Save</c>
/// and <c>Load</c> carry. Output columns follow ML.NET's trainers, so its evaluators read them directly:
/// multiclass (<c>mlContext.MulticlassClassification.Trainers.AdapterFineTuning</c>): <see cref="ScoreColumn"/> (class
/// probabilities, a known-size vector of C Single) and <see cref="PredictedLabelColumn"/> (the arg-max class as a key of
/// C values, key k = class k − 1), for <c>MulticlassClassification.Evaluate</c>; binary
/// (<c>mlContext.BinaryClassification.Trainers.AdapterFineTuning</c>, C = 2): <see cref="ScoreColumn"/> (the logit margin
/// z₁ − z₀), <see cref="ProbabilityColumn"/> (σ of it) and <see cref="PredictedLabelColumn"/> (Boolean), for
/// <c>BinaryClassification.Evaluate</c>.
/// </summary>
/// <remarks>
/// Estimator characteristics: needs training; input a text column and a label column; output as above (the score
/// mappings are the graph trainers', <c>Pipelines.Transforms</c>); the model itself is plain ONNX.
/// </remarks>
public sealed class AdapterFineTuningEstimator : IEstimator<ITransformer>
{
    /// <summary>The probabilities column.</summary>
    public const string ScoreColumn = "Score";

    /// <summary>The predicted class column (a key for multiclass, Boolean for binary).</summary>
    public const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>The positive-class probability column (binary only).</summary>
    public const string ProbabilityColumn = "Probability";

    private readonly MLContext _context;
    private readonly AdapterFineTuningOptions _options;
    private readonly bool _binary;

    internal AdapterFineTuningEstimator(MLContext context, AdapterFineTuningOptions options, bool binary = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.FineTune.Validate();
        if (binary && options.FineTune.ClassCount != 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FineTune.ClassCount, "Binary classification needs FineTune.ClassCount = 2.");
        }

        _context = context;
        _options = options;
        _binary = binary;
    }

    /// <summary>The last run's result (losses, timings, trainable parameters), after <see cref="Fit"/>.</summary>
    public FineTuneResult? LastResult { get; private set; }

    /// <inheritdoc />
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        IReadOnlyList<LabeledSentence> rows = ReadRows(input);
        OnnxModel encoder = OnnxModelIO.Load(_options.ModelPath);
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(_options.VocabPath, _options.FineTune.MaxLength);
        FineTuneResult result = TextClassifierFineTuning.Train(encoder, tokenizer, rows, null, _options.FineTune, epochs: _options.Progress);
        LastResult = result;
        TokenizationMapping.Register(tokenizer);
        using var files = new OnnxModelFiles();
        return OnnxModelFiles.FitAndReload(_context, BuildEstimator(ScoringModel(result.Classifier, _binary), tokenizer, files), input);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column[] text = inputSchema.Where(c => c.Name == _options.TextColumnName).ToArray();
        if (text.Length == 0 || text[0].ItemType != TextDataViewType.Instance || text[0].Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Text column '{_options.TextColumnName}' (scalar String) is missing.");
        }

        if (!inputSchema.Any(c => c.Name == _options.LabelColumnName))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{_options.LabelColumnName}' is missing.");
        }

        // SchemaShape.Column cannot be constructed outside ML.NET: ask the same chain, built on the untrained head.
        OnnxModel untrained = ClassifierGraph.AddHead(OnnxModelIO.Load(_options.ModelPath), FineTuneModels.HeadOptions(_options.FineTune));
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(_options.VocabPath, _options.FineTune.MaxLength);
        using var files = new OnnxModelFiles();
        return BuildEstimator(ScoringModel(untrained, _binary), tokenizer, files).GetOutputSchema(inputSchema);
    }

    /// <summary>
    /// The classifier (one row per run, B = 1) with the outputs the shared score mappings read: multiclass
    /// <c>PipelinesScoreVector</c> = softmax probabilities <c>(C)</c> and <c>PipelinesPredictedKeyVector</c> = arg-max + 1
    /// <c>(1)</c> uint32; binary <c>PipelinesScoreVector</c> = z₁ − z₀ and <c>PipelinesProbabilityVector</c> = σ(z₁ − z₀),
    /// each <c>(1, 1)</c>.
    /// </summary>
    internal static OnnxModel ScoringModel(OnnxModel classifier, bool binary)
    {
        OnnxModel model = classifier.Clone();
        model.Graph.Outputs.Clear();
        var b = new GraphBuilder(model.Graph);
        int classes = int.Parse(model.Metadata.First(kv => kv.Key == "pipelines.classifier.classes").Value, System.Globalization.CultureInfo.InvariantCulture);
        const TensorElementType F = TensorElementType.Float;
        string logits = ClassifierGraph.LogitsOutput; // (1, C)
        if (binary)
        {
            string z1 = b.Op("Slice", logits, b.Int64s("class1_start", 1), b.Int64s("class1_end", 2), b.Int64s("class_axis", 1));
            string z0 = b.Op("Slice", logits, b.Int64s("class0_start", 0), b.Int64s("class0_end", 1), b.Int64s("class_axis0", 1));
            string margin = b.Op("Sub", z1, z0); // (1, 1)
            b.Output(margin, GraphScoringColumns.ScoreVector, TensorType.Of(F, 1, 1));
            b.Output(b.Op("Sigmoid", margin), GraphScoringColumns.ProbabilityVector, TensorType.Of(F, 1, 1));
        }
        else
        {
            string probabilities = b.Op("Reshape", ClassifierGraph.ProbabilitiesOutput, b.Int64s("score_shape", classes)); // (C)
            b.Output(probabilities, GraphScoringColumns.ScoreVector, TensorType.Of(F, classes));
            string arg = b.Op("ArgMax", [logits], OnnxAttribute.Int("axis", -1), OnnxAttribute.Int("keepdims", 0)); // (1) int64
            string key = b.Op("Cast", [b.Op("Add", arg, b.Int64s("one_i64", 1))], OnnxAttribute.Int("to", (long)TensorElementType.UInt32));
            b.Output(key, GraphScoringColumns.PredictedKeyVector, TensorType.Of(TensorElementType.UInt32, 1));
        }

        return model;
    }

    private IEstimator<ITransformer> BuildEstimator(OnnxModel scoring, TextEncoderTokenizer tokenizer, OnnxModelFiles files)
    {
        string modelFile = files.Add(OnnxModelIO.ToBytes(scoring));
        string[] inputs = scoring.Graph.RuntimeInputs().Select(i => i.Name).ToArray();
        IEstimator<ITransformer> chain = _context.Transforms.CopyColumns(TokenizationMapping.TextColumn, _options.TextColumnName)
            .Append(_context.Transforms.Expression(TokenizationMapping.TokenizerColumn, TokenizerExpression(tokenizer), TokenizationMapping.TextColumn))
            .Append(_context.Transforms.CustomMapping(new TokenizationMapping().GetMapping(), TokenizationMapping.ContractName));
        if (_binary)
        {
            return chain.Append(_context.Transforms.ApplyOnnxModel([GraphScoringColumns.ScoreVector, GraphScoringColumns.ProbabilityVector], inputs, modelFile))
                .Append(_context.Transforms.CustomMapping(new GraphBinaryScoreMapping().GetMapping(), GraphBinaryScoreMapping.ContractName))
                .Append(_context.Transforms.DropColumns(GraphScoringColumns.ScoreVector, GraphScoringColumns.ProbabilityVector));
        }

        int classes = _options.FineTune.ClassCount;
        IDataView keys = _context.Data.LoadFromEnumerable(Enumerable.Range(1, classes).Select(i => new GraphPredictedIndex { PredictedIndex = (uint)i }));
        return chain.Append(_context.Transforms.ApplyOnnxModel([GraphScoringColumns.ScoreVector, GraphScoringColumns.PredictedKeyVector], inputs, modelFile))
            .Append(_context.Transforms.CustomMapping(new GraphPredictedIndexMapping().GetMapping(), GraphPredictedIndexMapping.ContractName))
            .Append(_context.Transforms.Conversion.MapValueToKey(PredictedLabelColumn, GraphScoringColumns.PredictedIndex, keyData: keys))
            .Append(_context.Transforms.CopyColumns(ScoreColumn, GraphScoringColumns.ScoreVector))
            .Append(_context.Transforms.DropColumns(GraphScoringColumns.ScoreVector, GraphScoringColumns.PredictedKeyVector, GraphScoringColumns.PredictedIndex));
    }

    /// <summary>The constant tokenizer column: the fingerprint, or the embedded vocabulary.</summary>
    private string TokenizerExpression(TextEncoderTokenizer tokenizer) => _options.EmbedVocabulary
        ? TokenizationMapping.EmbeddedExpression(File.ReadAllBytes(_options.VocabPath), tokenizer.MaxLength, lowerCase: true)
        : TokenizationMapping.FingerprintExpression(tokenizer);

    private List<LabeledSentence> ReadRows(IDataView input)
    {
        DataViewSchema.Column text = input.Schema.GetColumnOrNull(_options.TextColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input), $"Text column '{_options.TextColumnName}' is missing.");
        DataViewSchema.Column label = input.Schema.GetColumnOrNull(_options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input), $"Label column '{_options.LabelColumnName}' is missing.");
        if (text.Type != TextDataViewType.Instance)
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"Text column '{text.Name}' is {text.Type}, expected String.");
        }

        var rows = new List<LabeledSentence>();
        using DataViewRowCursor cursor = input.GetRowCursor([text, label]);
        ValueGetter<ReadOnlyMemory<char>> getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        Func<int> getLabel = ColumnGetters.ClassIndex(cursor, label);
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            getText(ref value);
            rows.Add(new LabeledSentence(value.ToString(), getLabel()));
        }

        return rows;
    }
}
