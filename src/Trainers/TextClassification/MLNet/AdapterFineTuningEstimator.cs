using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;
using Pipelines.Trainers.MLNet;

namespace Pipelines.Trainers.TextClassification.MLNet;

/// <summary>
/// Fine-tunes a text encoder with adapters (or fully) for sentence classification. <see cref="Fit"/> runs the whole
/// flow of <see cref="TextClassifierFineTuning"/> and returns an ONNX-backed transformer chain — WordPiece tokenization
/// (custom mapping keyed by the tokenizer's fingerprint, see <see cref="TokenizationMapping"/>) then <c>ApplyOnnxModel</c> over the exported classifier bytes — that <c>mlContext.Model.Save</c>
/// and <c>Load</c> carry. Output columns: <see cref="ScoreColumn"/> (class probabilities) and
/// <see cref="PredictedLabelColumn"/> (arg-max class index, int64).
/// </summary>
/// <remarks>
/// Estimator characteristics: needs training; input a text column and a label column; output float vector and int64;
/// the model itself is plain ONNX.
/// </remarks>
public sealed class AdapterFineTuningEstimator : IEstimator<ITransformer>
{
    /// <summary>The probabilities column.</summary>
    public const string ScoreColumn = "Score";

    /// <summary>The predicted class index column.</summary>
    public const string PredictedLabelColumn = "PredictedLabel";

    private readonly MLContext _context;
    private readonly AdapterFineTuningOptions _options;

    internal AdapterFineTuningEstimator(MLContext context, AdapterFineTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.FineTune.Validate();
        _context = context;
        _options = options;
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
        FineTuneResult result = TextClassifierFineTuning.Train(encoder, tokenizer, rows, null, _options.FineTune);
        LastResult = result;
        TokenizationMapping.Register(tokenizer);
        return BuildEstimator(ScoringModel(result.Classifier), tokenizer).Fit(input);
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
        return BuildEstimator(ScoringModel(untrained), tokenizer).GetOutputSchema(inputSchema);
    }

    /// <summary>The classifier with ML.NET-facing outputs <see cref="ScoreColumn"/> and <see cref="PredictedLabelColumn"/>.</summary>
    internal static OnnxModel ScoringModel(OnnxModel classifier)
    {
        OnnxModel model = classifier.Clone();
        model.Graph.Outputs.Clear();
        var b = new GraphBuilder(model.Graph);
        int classes = int.Parse(model.Metadata.First(kv => kv.Key == "pipelines.classifier.classes").Value, System.Globalization.CultureInfo.InvariantCulture);
        b.Output(ClassifierGraph.ProbabilitiesOutput, ScoreColumn, TensorType.Of(TensorElementType.Float, "batch", classes));
        string argmax = b.Op("ArgMax", [ClassifierGraph.LogitsOutput], OnnxAttribute.Int("axis", -1), OnnxAttribute.Int("keepdims", 0));
        b.Output(argmax, PredictedLabelColumn, TensorType.Of(TensorElementType.Int64, "batch"));
        return model;
    }

    private IEstimator<ITransformer> BuildEstimator(OnnxModel scoring, TextEncoderTokenizer tokenizer)
    {
        byte[] bytes = OnnxModelIO.ToBytes(scoring);
        string[] inputs = scoring.Graph.RuntimeInputs().Select(i => i.Name).ToArray();
        return _context.Transforms.CopyColumns(TokenizationMapping.TextColumn, _options.TextColumnName)
            .Append(_context.Transforms.Expression(TokenizationMapping.TokenizerColumn, TokenizationMapping.FingerprintExpression(tokenizer), TokenizationMapping.TextColumn))
            .Append(_context.Transforms.CustomMapping(new TokenizationMapping().GetMapping(), TokenizationMapping.ContractName))
            .Append(_context.Transforms.ApplyOnnxModel([ScoreColumn, PredictedLabelColumn], inputs, new MemoryStream(bytes)));
    }

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
