using System.Globalization;
using System.Text;

namespace Pipelines.Export.Tests.Serving;

/// <summary>
/// A small reader of protobuf text format (the subset Triton's <c>config.pbtxt</c> uses: <c>key: scalar</c>,
/// <c>key: [ scalars ]</c>, <c>key { message }</c>, <c>key [ { message }, … ]</c>, <c>#</c> comments), written
/// independently of the writer so the test reads the file as Triton would, not as the writer meant it.
/// </summary>
internal sealed class PbtxtMessage
{
    private readonly List<(string Key, object Value)> _fields = [];

    /// <summary>Every value of <paramref name="key"/>, in file order (a repeated field's list is flattened).</summary>
    public IReadOnlyList<object> All(string key) => [.. _fields.Where(f => f.Key == key).Select(f => f.Value)];

    public IReadOnlyList<string> Keys => [.. _fields.Select(f => f.Key)];

    public string Scalar(string key) => (string)Assert.Single(All(key));

    public long Int(string key) => long.Parse(Scalar(key), CultureInfo.InvariantCulture);

    public PbtxtMessage Message(string key) => (PbtxtMessage)Assert.Single(All(key));

    public IReadOnlyList<PbtxtMessage> Messages(string key) => [.. All(key).Cast<PbtxtMessage>()];

    public IReadOnlyList<long> Ints(string key) => [.. All(key).Cast<string>().Select(s => long.Parse(s, CultureInfo.InvariantCulture))];

    public static PbtxtMessage Parse(string text)
    {
        var tokens = Tokenize(text);
        int i = 0;
        PbtxtMessage message = ParseFields(tokens, ref i, topLevel: true);
        Assert.Equal(tokens.Count, i);
        return message;
    }

    private static PbtxtMessage ParseFields(List<string> tokens, ref int i, bool topLevel)
    {
        var message = new PbtxtMessage();
        while (i < tokens.Count && tokens[i] != "}")
        {
            string key = tokens[i++];
            Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", key);
            bool colon = tokens[i] == ":";
            if (colon)
            {
                i++;
            }

            if (tokens[i] == "{")
            {
                i++;
                message._fields.Add((key, ParseFields(tokens, ref i, topLevel: false)));
                Assert.Equal("}", tokens[i++]);
            }
            else if (tokens[i] == "[")
            {
                i++;
                while (tokens[i] != "]")
                {
                    if (tokens[i] == "{")
                    {
                        i++;
                        message._fields.Add((key, ParseFields(tokens, ref i, topLevel: false)));
                        Assert.Equal("}", tokens[i++]);
                    }
                    else
                    {
                        Assert.True(colon, $"a list of scalars needs 'key:', at '{key}'");
                        message._fields.Add((key, tokens[i++]));
                    }

                    if (tokens[i] == ",")
                    {
                        i++;
                    }
                }

                i++;
            }
            else
            {
                Assert.True(colon, $"a scalar needs 'key:', at '{key}'");
                message._fields.Add((key, tokens[i++]));
            }
        }

        Assert.True(topLevel ? i == tokens.Count : i < tokens.Count, "unbalanced braces");
        return message;
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '#')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if ("{}[]:,".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (text[i] != '"')
                {
                    sb.Append(text[i] == '\\' ? text[++i] : text[i]);
                    i++;
                }

                i++;
                tokens.Add(sb.ToString());
            }
            else
            {
                int start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && !"{}[]:,#\"".Contains(text[i], StringComparison.Ordinal))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }
}
