// SPDX-License-Identifier: MIT
#pragma once

#include "receiver/receiver.h"

#include <QDockWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace auditlens::ui {

/// The Receiver panel: start/stop the Logpush HTTP destination, the destination_conf to paste,
/// live statistics. Received records are appended to the trail's store.
class ReceiverPanel : public QDockWidget
{
    Q_OBJECT
public:
    explicit ReceiverPanel(QWidget *parent = nullptr);
    ~ReceiverPanel() override;

    void setStore(std::shared_ptr<EventStore> store);
    bool start(QString *error = nullptr);
    void stop();
    receiver::Receiver *receiver() const { return m_rx.get(); }
    QString destinationConf(bool reveal) const;
    void setSecret(const QString &s);
    void setPort(int port);
    void setJournalDir(const QString &dir);

signals:
    void recordsArrived();
    void createJobRequested(const QString &publicUrl, const QString &header, const QString &secret);

private:
    void updateStats();
    void updateDestination();

    std::shared_ptr<EventStore> m_store;
    std::unique_ptr<receiver::Receiver> m_rx;
    QComboBox *m_address;
    QSpinBox *m_port;
    QLineEdit *m_header;
    QLineEdit *m_secret;
    QLineEdit *m_journal;
    QLineEdit *m_cert, *m_key;
    QLineEdit *m_publicUrl;
    QLineEdit *m_destination;
    QCheckBox *m_reveal;
    QPushButton *m_startStop;
    QLabel *m_state;
    QString m_listening; ///< the state line while all is well
    QLabel *m_stats;
};

} // namespace auditlens::ui
