using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

/// <summary>The classifier's tokenization wrapper; WordPiece behaviour itself is tested in Onnx.Tests (WordPieceEncoderTests).</summary>
public sealed class TextEncoderTokenizerTests
{
    [Fact]
    public void Fingerprint_KeepsTheSavedModelFormat()
    {
        // sha256sum of all-MiniLM-L6-v2's vocab.txt; saved ML.NET classifiers carry exactly this string.
        const string Sha = "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f";
        Assert.Equal($"wordpiece:{Sha}:128:lower", TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath).Fingerprint);
        Assert.Equal($"wordpiece:{Sha}:8:cased", TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath, 8, lowerCase: false).Fingerprint);
    }

    [Fact]
    public void EncodesThroughTheSharedEncoderWithItsSettings()
    {
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath, maxLength: 5);
        var shared = WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath, new WordPieceEncoderOptions { MaxLength = 5 });
        const string Text = "The quick brown fox jumps over the lazy dog";
        Assert.Equal([101, 1996, 4248, 2829, 102], tokenizer.Encode(Text));
        Assert.Equal(shared.Encode(Text), tokenizer.Encode(Text));
        Assert.Equal(5, tokenizer.MaxLength);
        using TensorBatch expected = shared.EncodeBatch([Text, "I love this movie"]);
        using TensorBatch actual = tokenizer.EncodeBatch([Text, "I love this movie"]);
        Assert.Equal(expected.Get<long>(BertInputs.InputIds), actual.Get<long>(BertInputs.InputIds));
    }

    [Fact]
    public void RejectsLimitsBelowThreeAndMissingVocabularies()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath, maxLength: 2));
        var ex = Assert.Throws<FileNotFoundException>(() => TextEncoderTokenizer.FromVocab("/nope/vocab.txt"));
        Assert.Contains("/nope/vocab.txt", ex.Message, StringComparison.Ordinal);
    }
}
